"""A tenant's failures meet its incident. When detection opens or joins an incident for tenants
and components (apps.events.components), the tenants' recent events of those components are
linked, with the automation runs and tickets they carry; while it is open, each new event of an
affected tenant in one of its components joins it as it is stored (apps.incidents.receivers)."""

from datetime import timedelta

from django.db import transaction

from apps.events import components as parts
from apps.events.models import SystemEvent
from apps.incidents.models import OPEN_STATUSES, Incident, TimelineEntry
from apps.incidents.services.timeline import add_timeline_entry
from apps.tickets.services import link_detected_incident

RECENT = timedelta(hours=1)
MAX_LINKED = 1000


def link_recent_failures(incident, tenant_ids, now) -> dict:
    """Links the tenants' unlinked events of the incident's components from the last RECENT and
    writes what was linked to the timeline. Returns the counts."""
    codes = parts.codes_of(incident.components or [])
    if not (codes and tenant_ids):
        return {}
    event_ids = list(
        SystemEvent.objects.filter(
            tenant_id__in=list(tenant_ids),
            code__in=codes,
            incident__isnull=True,
            occurred_at__gte=now - RECENT,
            occurred_at__lte=now,
        )
        .order_by("-occurred_at")
        .values_list("pk", flat=True)[:MAX_LINKED]
    )
    linked = link_events(incident, event_ids)
    if linked["events"]:
        add_timeline_entry(incident, TimelineEntry.Kind.SYSTEM, _summary(linked), at=now, data=linked)
    return linked


def link_events(incident, event_ids) -> dict:
    """Links the events no incident holds yet, then the automation runs and tickets they carry."""
    SystemEvent.objects.filter(pk__in=list(event_ids), incident__isnull=True).update(incident=incident)
    mine = list(SystemEvent.objects.filter(pk__in=list(event_ids), incident=incident))
    return {
        "events": len(mine),
        "codes": sorted({event.code for event in mine}),
        "automation_runs": link_runs_of_events(incident, [event.pk for event in mine]),
        "tickets": _link_tickets_of(incident, mine),
    }


def link_runs_of_events(incident, event_ids) -> int:
    """The automation runs the events name (N8N_TIMEOUT, N8N_TRIGGER_FAIL …) join the incident."""
    run_ids = set(
        SystemEvent.objects.filter(pk__in=list(event_ids), automation_run__isnull=False).values_list(
            "automation_run_id", flat=True
        )
    )
    if run_ids:
        incident.automation_runs.add(*run_ids)
    return len(run_ids)


def _link_tickets_of(incident, events) -> int:
    """The tickets an event names (its ticket link, or tickets that linked it) join the incident."""
    named = (str((event.meta or {}).get("ticket_id") or "") for event in events)
    ticket_ids = {int(value) for value in named if value.isdigit()}  # meta may come from the API
    ticket_ids |= set(
        SystemEvent.tickets.through.objects.filter(systemevent_id__in=[event.pk for event in events]).values_list(
            "ticket_id", flat=True
        )
    )
    return len(link_detected_incident(ticket_ids, incident)) if ticket_ids else 0


def _summary(linked):
    text = f"Linked {linked['events']} recent event(s) of the affected tenant(s): {', '.join(linked['codes'])}"
    extras = [
        f"{linked[name]} {label}"
        for name, label in (("automation_runs", "automation run(s)"), ("tickets", "ticket(s)"))
        if linked[name]
    ]
    return text + (f"; with {' and '.join(extras)}" if extras else "")


def link_new_events(events) -> int:
    """Each new event of a tenant joins the tenant's open incident about a component of its code
    (the most severe first, then the newest). One query finds the open incidents of every tenant
    in the batch; each incident's events are linked in a savepoint, so a failure to link never
    loses a stored event."""
    wanted = [event for event in events if event.tenant_id and not event.incident_id and parts.of_code(event.code)]
    if not wanted:
        return 0
    open_by_tenant = _open_incidents_by_tenant({event.tenant_id for event in wanted})
    if not open_by_tenant:
        return 0
    batches = {}
    for event in wanted:
        incident = _first_about(open_by_tenant.get(event.tenant_id, []), parts.of_code(event.code))
        if incident is not None:
            batches.setdefault(incident.pk, (incident, []))[1].append(event)
    return sum(_link_batch(incident, batch) for incident, batch in batches.values())


def _open_incidents_by_tenant(tenant_ids) -> dict:
    """Each tenant's open incidents, those it is affected by or the subject of."""
    rows = Incident.affected_tenants.through.objects.filter(
        tenant_id__in=tenant_ids, incident__status__in=OPEN_STATUSES
    ).select_related("incident")
    pairs = [(row.tenant_id, row.incident) for row in rows]
    about = Incident.objects.open().filter(subject_tenant_id__in=tenant_ids)
    pairs += [(incident.subject_tenant_id, incident) for incident in about]
    found = {}
    for tenant_id, incident in sorted(pairs, key=lambda pair: (pair[1].severity, -pair[1].detected_at.timestamp())):
        found.setdefault(tenant_id, []).append(incident)
    return found


def _first_about(incidents, components):
    return next((incident for incident in incidents if set(components) & set(incident.components or [])), None)


def _link_batch(incident, events) -> int:
    ids = [event.pk for event in events]
    with transaction.atomic():
        link_events(incident, ids)
    linked = set(SystemEvent.objects.filter(pk__in=ids, incident=incident).values_list("pk", flat=True))
    for event in events:
        event.incident_id = incident.pk if event.pk in linked else event.incident_id
    return len(linked)
