"""Usage counters: daily rows per tenant and metric, summed into months, in the tenant's zone."""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone

from apps.core import zones
from apps.tenants.models import UsageCounter

Metric = UsageCounter.Metric


@dataclass(frozen=True)
class Usage:
    messages_this_month: int
    ai_today: int
    ai_this_month: int
    bots: int


def tenant_today(tenant, now=None):
    now = now or timezone.now()
    return now.astimezone(zones.tenant_zone(tenant)).date()


def usage_for(tenant, now=None) -> Usage:
    today = tenant_today(tenant, now)
    month = UsageCounter.objects.filter(tenant=tenant, day__gte=today.replace(day=1), day__lte=today)
    sums = dict(month.values_list("metric").annotate(total=Sum("value")).values_list("metric", "total"))
    ai_today = month.filter(metric=Metric.AI_REQUESTS, day=today).values_list("value", flat=True).first()
    bots = (
        UsageCounter.objects.filter(tenant=tenant, metric=Metric.BOTS)
        .order_by("-day")
        .values_list("value", flat=True)
        .first()
    )
    return Usage(
        messages_this_month=sums.get(Metric.MESSAGES_SENT, 0) or 0,
        ai_today=ai_today or 0,
        ai_this_month=sums.get(Metric.AI_REQUESTS, 0) or 0,
        bots=bots or 0,
    )


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


def set_gauge(tenant, metric: str, value: int, now=None) -> None:
    UsageCounter.objects.update_or_create(
        tenant=tenant, metric=metric, day=tenant_today(tenant, now), defaults={"value": value}
    )
