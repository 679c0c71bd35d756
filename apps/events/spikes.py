"""Error spike detection: one code failing above its usual rate in several tenants at once.

Two aggregate queries per pass (window counts and baseline counts, grouped by code and tenant),
both restricted by time so the (code, -occurred_at) indexes serve them at millions of rows."""
from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from apps.events import components, emit
from apps.events.models import SystemEvent
from apps.incidents.models import DetectionMethod


def _counts_by_code_and_tenant(start, end):
    rows = (SystemEvent.objects.filter(occurred_at__gte=start, occurred_at__lt=end, tenant__isnull=False)
            .order_by().values("code", "tenant_id").annotate(n=Count("id")))
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


def detect(now=None):
    """One pass. Returns {"spiking_codes": {code: [tenant ids]}, "opened": n, "joined": n}."""
    now = now or timezone.now()
    spiking, window_start = spiking_tenants_by_code(now)
    result = {"spiking_codes": {}, "opened": 0, "joined": 0}
    for code, counts in sorted(spiking.items()):
        if len(counts) < settings.SPIKE_MIN_TENANTS:
            continue
        tenant_ids = sorted(counts)
        result["spiking_codes"][code] = tenant_ids
        if _held_by_maintenance(code, tenant_ids, now):
            result["held"] = result.get("held", 0) + 1
            continue
        created = _open_or_join(code, counts, window_start, now)
        result["opened" if created else "joined"] += 1
    return result


def _open_or_join(code, counts, window_start, now):
    """The spike's incident, with the runbook and components of the spiking code."""
    from apps.incidents import runbooks
    from apps.incidents.services import open_or_join

    tenant_ids = sorted(counts)
    event_ids = SystemEvent.objects.filter(
        code=code, tenant_id__in=tenant_ids, occurred_at__gte=window_start, occurred_at__lt=now,
    ).values_list("id", flat=True)
    incident, created = open_or_join(
        f"spike:{code}", title=f"{code} spiking in {len(tenant_ids)} tenants", codes=[code],
        tenant_ids=tenant_ids, event_ids=list(event_ids), detection_method=DetectionMethod.SPIKE,
        runbook=runbooks.slug_for_code(code), components=components.of_code(code),
    )
    if created:
        emit("ERROR_SPIKE", message=f"{code} is spiking in {len(tenant_ids)} tenants",
             meta={"code": code, "tenants": tenant_ids, "counts": {str(t): n for t, n in counts.items()}},
             source="events.spikes", incident=incident)
    return created


def _held_by_maintenance(code, tenant_ids, now):
    """Inside a platform-wide maintenance window the spike opens no incident; the hold is recorded."""
    from apps.health import maintenance

    return maintenance.hold("spike", f"spike:{code}", f"{code} spiking in {len(tenant_ids)} tenants",
                            detail={"code": code, "tenants": tenant_ids}, at=now)
