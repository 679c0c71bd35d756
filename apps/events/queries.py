"""The read path of the Error Center: pure queries behind the admin pages and the dashboard.

Each function takes `now` so callers (and tests) decide what "now" is; none of them writes."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Max, Min, Q
from django.db.models.functions import TruncHour

from apps.events.models import SystemEvent

GROUPED_ORDERS = {"growth": "growth", "hour": "last_hour", "day": "last_day", "last_seen": "last_seen"}


def grouped(now, *, order="growth", limit=200):
    """One dict per (code, tenant) seen in the last 24 h: counts in the last hour and day, first
    and last seen, and growth (last hour over the day's hourly average)."""
    day_ago, hour_ago = now - timedelta(hours=24), now - timedelta(hours=1)
    rows = (
        SystemEvent.objects.filter(occurred_at__gte=day_ago, occurred_at__lte=now)
        .values("code", "tenant_id")
        .annotate(
            last_hour=Count("id", filter=Q(occurred_at__gte=hour_ago)),
            last_day=Count("id"),
            first_seen=Min("occurred_at"),
            last_seen=Max("occurred_at"),
        )
        .order_by()
    )
    groups = [_with_growth(row) for row in rows]
    key = GROUPED_ORDERS.get(order, "growth")
    groups.sort(key=lambda group: (group[key], group["last_day"]), reverse=True)
    return _with_tenant_names(groups[:limit])


def _with_growth(row):
    """A code first seen within the hour is new: its growth against a day of nothing says nothing."""
    hourly_average = row["last_day"] / 24
    return {**row, "growth": round(row["last_hour"] / hourly_average, 2), "is_new": row["last_day"] == row["last_hour"]}


def _with_tenant_names(groups):
    """Names for the rows shown only, so the aggregate itself never joins the tenant table."""
    from apps.tenants.models import Tenant

    ids = {group["tenant_id"] for group in groups if group["tenant_id"]}
    names = dict(Tenant.objects.filter(pk__in=ids).values_list("pk", "name"))
    return [{**group, "tenant_name": names.get(group["tenant_id"], "")} for group in groups]


def hourly_buckets(now, pairs, hours=24):
    """{(code, tenant_id): [count per hour, oldest first]} for the given pairs, in one query."""
    pairs = list(pairs)
    result = {pair: [0] * hours for pair in pairs}
    if not pairs:
        return result
    start = _hour_floor(now) - timedelta(hours=hours - 1)
    codes = {code for code, _ in pairs}
    rows = (
        SystemEvent.objects.filter(occurred_at__gte=start, occurred_at__lte=now, code__in=codes)
        .annotate(hour=TruncHour("occurred_at"))
        .values("code", "tenant_id", "hour")
        .annotate(count=Count("id"))
        .order_by()
    )
    for row in rows:
        buckets = result.get((row["code"], row["tenant_id"]))
        index = int((row["hour"] - start).total_seconds() // 3600)
        if buckets is not None and 0 <= index < hours:
            buckets[index] = row["count"]
    return result


def hourly_counts(now, hours=24):
    """[(hour start, count)] for the last `hours` hours including the current one, oldest first."""
    start = _hour_floor(now) - timedelta(hours=hours - 1)
    rows = (
        SystemEvent.objects.filter(occurred_at__gte=start, occurred_at__lte=now)
        .annotate(hour=TruncHour("occurred_at"))
        .values("hour")
        .annotate(count=Count("id"))
        .order_by()
    )
    counts = {row["hour"]: row["count"] for row in rows}
    return [(start + timedelta(hours=i), counts.get(start + timedelta(hours=i), 0)) for i in range(hours)]


def counts_by_code(start, end, limit=15):
    rows = (
        SystemEvent.objects.filter(occurred_at__gte=start, occurred_at__lte=end)
        .values("code")
        .annotate(count=Count("id"))
        .order_by("-count", "code")
    )
    return list(rows[:limit])


def counts_by_tenant(start, end, limit=15):
    """The tenants with the most events, with how many distinct codes hit them."""
    rows = (
        SystemEvent.objects.filter(occurred_at__gte=start, occurred_at__lte=end, tenant__isnull=False)
        .values("tenant_id")
        .annotate(count=Count("id"), codes=Count("code", distinct=True))
        .order_by("-count", "tenant_id")
    )
    return _with_tenant_names(list(rows[:limit]))


def spiking_codes(now, *, minimum=5):
    """Codes, summed over all tenants, whose count in the spike window is at least `minimum` and at
    least SPIKE_BASELINE_FACTOR times their baseline (the average per window over the previous
    SPIKE_BASELINE_DAYS). Same window and factor as the detector, which works per tenant."""
    window, factor = timedelta(minutes=settings.SPIKE_WINDOW_MINUTES), settings.SPIKE_BASELINE_FACTOR
    baseline_days = settings.SPIKE_BASELINE_DAYS
    window_start = now - window
    baseline_start = window_start - timedelta(days=baseline_days)
    windows_in_baseline = timedelta(days=baseline_days) / window
    rows = (
        SystemEvent.objects.filter(occurred_at__gte=baseline_start, occurred_at__lte=now)
        .values("code")
        .annotate(
            current=Count("id", filter=Q(occurred_at__gte=window_start)),
            previous=Count("id", filter=Q(occurred_at__lt=window_start)),
        )
        .filter(current__gte=minimum)
        .order_by()
    )
    spikes = []
    for row in rows:
        baseline = row["previous"] / windows_in_baseline
        if row["current"] >= factor * baseline:
            ratio = round(row["current"] / baseline, 1) if baseline else None
            spikes.append(
                {"code": row["code"], "count": row["current"], "baseline": round(baseline, 2), "ratio": ratio}
            )
    return sorted(spikes, key=lambda spike: spike["count"], reverse=True)


def start_of_day(now):
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def _hour_floor(moment):
    return moment.replace(minute=0, second=0, microsecond=0)
