"""Opening incidents: automatically (`open_or_join`, called by spike detection, alert rules and
health monitors), from selected Error Center events, or by hand. Every new incident gets its
first timeline entry and notifies on-call level 1 through `escalation.notify_new`."""
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.core.errors import ServiceError
from apps.events import audit
from apps.events import codes as catalog
from apps.incidents import runbooks
from apps.incidents.models import DetectionMethod, Incident, Severity, TimelineEntry
from apps.incidents.services.linking import link_events, link_recent_failures
from apps.incidents.services.timeline import add_timeline_entry

MAX_EVENTS_PER_INCIDENT_ACTION = 1000
SEVERITY_BY_LEVEL = {
    catalog.CRITICAL: Severity.SEV1, catalog.ERROR: Severity.SEV2,
    catalog.WARNING: Severity.SEV3, catalog.INFO: Severity.SEV4,
}
Kind = TimelineEntry.Kind


def severity_for_codes(codes):
    levels = [entry.level for entry in map(catalog.get, codes) if entry]
    worst = max(levels, key=catalog.LEVEL_RANK.get, default=catalog.WARNING)
    return SEVERITY_BY_LEVEL[worst]


def open_or_join(dedup_key, *, title, codes, tenant_ids=(), event_ids=(), severity=None,
                 detection_method=DetectionMethod.SPIKE, runbook="", components=(), now=None):
    """The open incident for `dedup_key`, created when there is none, with the given tenants and
    events attached. Returns (incident, created). A partial unique constraint on open incidents'
    dedup keys makes concurrent detectors converge on one incident. A new one notifies level 1.

    `runbook` (a slug) and `components` say what failed; the tenants' recent failures in those
    components are linked now, and new ones as they come while the incident is open."""
    now = now or timezone.now()
    what = {"title": title, "codes": list(codes), "severity": severity, "detection_method": detection_method,
            "runbook": runbooks.by_slug(runbook), "components": list(components)}
    incident, created = _find_or_create(dedup_key, what, now)
    added = attach(incident, tenant_ids=tenant_ids, event_ids=event_ids)
    if created:
        add_timeline_entry(incident, Kind.SYSTEM, f"Opened by {incident.get_detection_method_display().lower()}: "
                           f"{title}", at=now, data={"dedup_key": dedup_key, "codes": list(codes),
                                                     "tenants": sorted(tenant_ids), "runbook": runbook,
                                                     "components": list(components)})
    elif added:
        add_timeline_entry(incident, Kind.SYSTEM, f"{len(added)} more tenant(s) affected", at=now,
                           data={"tenants": sorted(added)})
    link_recent_failures(incident, tenant_ids, now)
    if created:
        _notify(incident, now)
    return incident, created


def _find_or_create(dedup_key, what, now):
    existing = Incident.objects.open().filter(dedup_key=dedup_key).first()
    if existing:
        return existing, False
    what = {**what, "severity": what["severity"] or severity_for_codes(what["codes"])}
    try:
        with transaction.atomic():
            return Incident.objects.create(dedup_key=dedup_key, started_at=now, detected_at=now, **what), True
    except IntegrityError:
        return Incident.objects.open().get(dedup_key=dedup_key), False


def attach(incident, *, tenant_ids=(), event_ids=()):
    """Adds tenants and links unlinked events (and the automation runs and tickets they carry);
    returns the ids of tenants that were not yet affected."""
    added = []
    if tenant_ids:
        known = set(incident.affected_tenants.values_list("pk", flat=True))
        added = [pk for pk in set(tenant_ids) if pk not in known]
        incident.affected_tenants.add(*tenant_ids)
    if event_ids:
        link_events(incident, event_ids)
    return added


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
        link_events(incident, [event.pk for event in events])
        add_timeline_entry(incident, Kind.SYSTEM, f"Opened from {len(events)} Error Center event(s)", author=actor,
                           data={"codes": codes, "events": len(events)})
        audit.record("incident.opened", actor=actor, target=incident,
                     after={"codes": codes, "events": len(events)})
        _notify(incident, incident.detected_at)
    return incident


def create_incident(*, actor, title, severity, codes=(), tenants=(), impact="", root_cause_hypothesis="",
                    detection_method=DetectionMethod.MANUAL, now=None, request=None) -> Incident:
    """An incident opened by hand (admin or API), owned by whoever opened it."""
    title, codes, now = (title or "").strip(), list(codes), now or timezone.now()
    _validate_new(title, severity, codes, detection_method)
    with transaction.atomic():
        incident = Incident.objects.create(
            title=title[:300], severity=severity, codes=codes, detection_method=detection_method, impact=impact,
            root_cause_hypothesis=root_cause_hypothesis, owner=actor if getattr(actor, "is_staff", False) else None,
            started_at=now, detected_at=now)
        incident.affected_tenants.add(*tenants)
        add_timeline_entry(incident, Kind.SYSTEM, f"Opened by hand: {title}", author=actor, at=now,
                           data={"codes": codes, "tenants": [tenant.slug for tenant in tenants]})
        audit.record("incident.opened", actor=actor, target=incident, request=request,
                     after={"severity": severity, "codes": codes, "tenants": [tenant.slug for tenant in tenants]})
        _notify(incident, now)
    return incident


def _validate_new(title, severity, codes, detection_method):
    if not title:
        raise ServiceError("Give the incident a title.", "empty_title")
    if severity not in Severity.values:
        raise ServiceError(f"Unknown severity {severity!r}; use one of {', '.join(Severity.values)}.",
                           "invalid_severity")
    if detection_method not in DetectionMethod.values:
        raise ServiceError(f"Unknown detection method {detection_method!r}.", "invalid_detection_method")
    unknown = [code for code in codes if catalog.get(code) is None]
    if unknown:
        raise ServiceError(f"Unknown event code(s): {', '.join(unknown)}.", "unknown_codes")


def _notify(incident, now):
    from apps.incidents.escalation import notify_new

    notify_new(incident, now=now)
