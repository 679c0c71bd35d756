"""Usage counters: daily rows per tenant and metric, summed into months, in the tenant's zone."""

import math
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from django.db import IntegrityError, connections, transaction
from django.db.models import Case, F, Q, Sum, Value, When
from django.utils import timezone

from apps.core import zones
from apps.tenants import policy
from apps.tenants.models import UsageCounter

Metric = UsageCounter.Metric


@dataclass(frozen=True)
class Usage:
    messages_this_month: int
    ai_today: int
    ai_this_month: int
    bots: int
    ai_tokens_today: int = 0
    ai_tokens_this_month: int = 0


def tenant_today(tenant, now=None):
    now = now or timezone.now()
    return now.astimezone(zones.tenant_zone(tenant)).date()


def usage_for(tenant, now=None) -> Usage:
    today = tenant_today(tenant, now)
    month = UsageCounter.objects.filter(tenant=tenant, day__gte=today.replace(day=1), day__lte=today)
    sums = dict(month.values_list("metric").annotate(total=Sum("value")).values_list("metric", "total"))
    today_values = dict(month.filter(day=today).values_list("metric", "value"))
    bots = (
        UsageCounter.objects.filter(tenant=tenant, metric=Metric.BOTS)
        .order_by("-day")
        .values_list("value", flat=True)
        .first()
    )
    return Usage(
        messages_this_month=sums.get(Metric.MESSAGES_SENT, 0) or 0,
        ai_today=today_values.get(Metric.AI_REQUESTS, 0) or 0,
        ai_this_month=sums.get(Metric.AI_REQUESTS, 0) or 0,
        bots=bots or 0,
        ai_tokens_today=today_values.get(Metric.AI_TOKENS, 0) or 0,
        ai_tokens_this_month=sums.get(Metric.AI_TOKENS, 0) or 0,
    )


@dataclass(frozen=True)
class AIUsage:
    requests_today: int
    requests_this_month: int
    tokens_today: int
    tokens_this_month: int


def ai_usage_for(tenant, now=None) -> AIUsage:
    """The AI counters alone, in one query: what every AI call's policy check needs."""
    today = tenant_today(tenant, now)
    month = UsageCounter.objects.filter(
        tenant=tenant, metric__in=(Metric.AI_REQUESTS, Metric.AI_TOKENS), day__gte=today.replace(day=1), day__lte=today
    )
    sums = month.aggregate(
        requests_today=Sum("value", filter=Q(metric=Metric.AI_REQUESTS, day=today)),
        requests_this_month=Sum("value", filter=Q(metric=Metric.AI_REQUESTS)),
        tokens_today=Sum("value", filter=Q(metric=Metric.AI_TOKENS, day=today)),
        tokens_this_month=Sum("value", filter=Q(metric=Metric.AI_TOKENS)),
    )
    return AIUsage(**{name: total or 0 for name, total in sums.items()})


def seconds_to_next_day(tenant, now=None) -> int:
    """Whole seconds until the tenant's next local midnight (when daily counters start again)."""
    local = _local_now(tenant, now)
    midnight = datetime.combine(local.date() + timedelta(days=1), time(), tzinfo=local.tzinfo)
    return _seconds_between(local, midnight)


def seconds_to_next_month(tenant, now=None) -> int:
    """Whole seconds until the first of next month, midnight in the tenant's zone."""
    local = _local_now(tenant, now)
    first = (local.date().replace(day=1) + timedelta(days=32)).replace(day=1)
    return _seconds_between(local, datetime.combine(first, time(), tzinfo=local.tzinfo))


def _local_now(tenant, now):
    return (now or timezone.now()).astimezone(zones.tenant_zone(tenant))


def _seconds_between(start, end) -> int:
    """Subtracted in UTC: Python subtracts two times of one zone by the wall clock, which is an
    hour off across a daylight-saving change."""
    return max(1, math.ceil((end.astimezone(UTC) - start.astimezone(UTC)).total_seconds()))


def increment(tenant, metric: str, amount: int = 1, now=None) -> None:
    """Adds to today's counter with one atomic UPDATE; safe under concurrent senders."""
    day = tenant_today(tenant, now)
    rows = UsageCounter.objects.filter(tenant=tenant, metric=metric, day=day)
    if rows.update(value=F("value") + amount):
        return
    try:
        with transaction.atomic():
            UsageCounter.objects.create(tenant=tenant, metric=metric, day=day, value=amount)
    except IntegrityError:
        rows.update(value=F("value") + amount)


def increment_many(tenant, amounts: dict, now=None) -> None:
    """Adds to several of today's counters with one UPDATE (creating the missing rows), as
    `increment` does for one."""
    amounts = {metric: amount for metric, amount in amounts.items() if amount}
    day = tenant_today(tenant, now)
    rows = UsageCounter.objects.filter(tenant=tenant, day=day, metric__in=list(amounts))
    added = Case(*(When(metric=metric, then=Value(amount)) for metric, amount in amounts.items()), default=Value(0))
    if rows.update(value=F("value") + added) == len(amounts):
        return
    present = set(rows.values_list("metric", flat=True))
    for metric, amount in amounts.items():
        if metric not in present:
            increment(tenant, metric, amount, now)


def reserve_ai_request(tenant, limits: policy.PolicyInput, now=None) -> tuple[policy.Decision, object]:
    """Counts one AI request before its provider call when the tenant is still under its request
    limits (`limits`), and returns the decision with the counter's day. The check and the count are
    one atomic step, so N concurrent calls with one request left make exactly one provider call."""
    day = tenant_today(tenant, now)
    if _reserve(tenant.pk, day, limits.ai_daily_limit, limits.ai_monthly_limit):
        return policy.ALLOW, day
    fresh = policy.decide_ai(policy.with_ai_usage(limits, ai_usage_for(tenant, now)))
    return (policy.deny(policy.AI_DAILY_LIMIT_EXCEEDED) if fresh else fresh), day


def release_ai_request(tenant, day) -> None:
    """Gives back a request `reserve_ai_request` counted on `day` whose call reached no provider."""
    rows = UsageCounter.objects.filter(tenant=tenant, metric=Metric.AI_REQUESTS, day=day, value__gt=0)
    rows.update(value=F("value") - 1)


def _reserve(tenant_id, day, daily_limit, monthly_limit) -> bool:
    connection = connections[UsageCounter.objects.db]
    if connection.vendor != "postgresql":
        return _reserve_in_transaction(tenant_id, day, daily_limit, monthly_limit)
    earlier = (tenant_id, Metric.AI_REQUESTS, day.replace(day=1), day)
    params = [tenant_id, Metric.AI_REQUESTS, day, daily_limit, *earlier, monthly_limit, daily_limit, *earlier]
    with connection.cursor() as cursor:
        cursor.execute(_RESERVE_SQL, params + [monthly_limit])
        return cursor.fetchone() is not None


_TABLE = UsageCounter._meta.db_table
_EARLIER_THIS_MONTH = (
    f"(SELECT COALESCE(SUM(value), 0) FROM {_TABLE} WHERE tenant_id = %s AND metric = %s AND day >= %s AND day < %s)"
)
# One statement: today's row is created or raised by one only while today's count is under the
# daily limit and the month's (earlier days, which no call changes, plus today) under the monthly
# one. Concurrent upserts of the row wait for its lock and re-check the condition on the new value.
_RESERVE_SQL = (
    f"INSERT INTO {_TABLE} (tenant_id, metric, day, value) SELECT %s, %s, %s, 1"
    f" WHERE %s > 0 AND {_EARLIER_THIS_MONTH} < %s"
    f" ON CONFLICT (tenant_id, metric, day) DO UPDATE SET value = {_TABLE}.value + 1"
    f" WHERE {_TABLE}.value < %s AND {_TABLE}.value + {_EARLIER_THIS_MONTH} < %s"
    " RETURNING value"
)


def _reserve_in_transaction(tenant_id, day, daily_limit, monthly_limit) -> bool:
    """SQLite (make run): its transactions begin IMMEDIATE (settings), so writers take turns."""
    rows = UsageCounter.objects.filter(tenant_id=tenant_id, metric=Metric.AI_REQUESTS)
    with transaction.atomic(using=UsageCounter.objects.db):
        month = rows.filter(day__gte=day.replace(day=1), day__lte=day)
        today = month.filter(day=day).values_list("value", flat=True).first() or 0
        if today >= daily_limit or (month.aggregate(total=Sum("value"))["total"] or 0) >= monthly_limit:
            return False
        counter, _ = UsageCounter.objects.get_or_create(tenant_id=tenant_id, metric=Metric.AI_REQUESTS, day=day)
        rows.filter(pk=counter.pk).update(value=F("value") + 1)
    return True


def set_gauge(tenant, metric: str, value: int, now=None) -> None:
    UsageCounter.objects.update_or_create(
        tenant=tenant, metric=metric, day=tenant_today(tenant, now), defaults={"value": value}
    )
