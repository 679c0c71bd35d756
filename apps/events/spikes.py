"""Error spike detection: one code failing above its usual rate in several tenants at once.

The rate maths and queries; deciding what a spike opens is `incidents.services.detection`.
Two aggregate queries per pass (window counts and baseline counts, grouped by code and tenant),
both restricted by time so the (code, -occurred_at) indexes serve them at millions of rows."""

from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.db.models import Count

from apps.events.models import SystemEvent


def _counts_by_code_and_tenant(start, end):
    rows = (
        SystemEvent.objects.filter(occurred_at__gte=start, occurred_at__lt=end, tenant__isnull=False)
        .order_by()
        .values("code", "tenant_id")
        .annotate(n=Count("id"))
    )
    return {(row["code"], row["tenant_id"]): row["n"] for row in rows}


def is_spiking(count, baseline):
    if count < settings.SPIKE_MIN_COUNT:
        return False
    return baseline == 0 or count >= settings.SPIKE_BASELINE_FACTOR * baseline


def spiking_tenants_by_code(now):
    window = timedelta(minutes=settings.SPIKE_WINDOW_MINUTES)
    baseline_period = timedelta(days=settings.SPIKE_BASELINE_DAYS)
    windows_in_period = baseline_period / window
    window_start = now - window
    current = _counts_by_code_and_tenant(window_start, now)
    if not current:
        return {}, window_start
    history = _counts_by_code_and_tenant(window_start - baseline_period, window_start)
    spiking = defaultdict(dict)
    for (code, tenant_id), count in current.items():
        if is_spiking(count, history.get((code, tenant_id), 0) / windows_in_period):
            spiking[code][tenant_id] = count
    return spiking, window_start


def events_of(code, tenant_ids, start, end):
    return SystemEvent.objects.filter(code=code, tenant_id__in=tenant_ids, occurred_at__gte=start, occurred_at__lt=end)
