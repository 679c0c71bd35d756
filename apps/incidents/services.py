"""Operations on incidents. The Incidents issue grows this module (timeline, escalation,
postmortems); detection in the Error Center calls `open_or_join` and `open_from_events`."""
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.core.errors import ServiceError
from apps.events import audit
from apps.events import codes as catalog
from apps.events.models import SystemEvent
from apps.incidents.models import DetectionMethod, Incident, Severity

MAX_EVENTS_PER_INCIDENT_ACTION = 1000
SEVERITY_BY_LEVEL = {
    catalog.CRITICAL: Severity.SEV1, catalog.ERROR: Severity.SEV2,
    catalog.WARNING: Severity.SEV3, catalog.INFO: Severity.SEV4,
}


def severity_for_codes(codes):
    levels = [entry.level for entry in map(catalog.get, codes) if entry]
    worst = max(levels, key=catalog.LEVEL_RANK.get, default=catalog.WARNING)
    return SEVERITY_BY_LEVEL[worst]


def open_or_join(dedup_key, *, title, codes, tenant_ids=(), event_ids=(), severity=None,
                 detection_method=DetectionMethod.SPIKE):
    """The open incident for `dedup_key`, created when there is none, with the given tenants and
    events attached. Returns (incident, created). A partial unique constraint on open incidents'
    dedup keys makes concurrent detectors converge on one incident."""
    incident, created = _find_or_create(dedup_key, title, codes, severity, detection_method)
    attach(incident, tenant_ids=tenant_ids, event_ids=event_ids)
    return incident, created


def _find_or_create(dedup_key, title, codes, severity, detection_method):
    existing = Incident.objects.open().filter(dedup_key=dedup_key).first()
    if existing:
        return existing, False
    try:
        with transaction.atomic():
            return Incident.objects.create(
                dedup_key=dedup_key, title=title, codes=list(codes), started_at=timezone.now(),
                severity=severity or severity_for_codes(codes), detection_method=detection_method,
            ), True
    except IntegrityError:
        return Incident.objects.open().get(dedup_key=dedup_key), False


def attach(incident, *, tenant_ids=(), event_ids=()):
    if tenant_ids:
        incident.affected_tenants.add(*tenant_ids)
    if event_ids:
        SystemEvent.objects.filter(pk__in=list(event_ids), incident__isnull=True).update(incident=incident)


def open_from_events(events, *, actor, title=""):
    """An operator's "Open incident from selected events": one incident linking them all."""
    events = list(events[:MAX_EVENTS_PER_INCIDENT_ACTION + 1])
    if not events:
        raise ServiceError("Select at least one event.", code="no_events")
    if len(events) > MAX_EVENTS_PER_INCIDENT_ACTION:
        raise ServiceError(f"Select at most {MAX_EVENTS_PER_INCIDENT_ACTION} events; narrow the filter "
                           "(the spike detector links the rest automatically).", code="too_many_events")
    codes = sorted({event.code for event in events})
    with transaction.atomic():
        incident = Incident.objects.create(
            title=title or f"{', '.join(codes)} — {len(events)} event(s)", codes=codes,
            severity=severity_for_codes(codes), detection_method=DetectionMethod.MANUAL,
            started_at=min(event.occurred_at for event in events), owner=actor,
        )
        incident.affected_tenants.add(*{event.tenant_id for event in events if event.tenant_id})
        SystemEvent.objects.filter(pk__in=[event.pk for event in events]).update(incident=incident)
        audit.record("incident.opened", actor=actor, target=incident,
                     after={"codes": codes, "events": len(events)})
    return incident
