"""What a ticket is linked to: Error Center events, automation runs, an incident (through
`incidents.services.link_ticket`, the one way in), and the events that share its correlation ids."""

from datetime import timedelta

from django.db import transaction
from django.db.models import Case, IntegerField, Q, Value, When

from apps.core.errors import ServiceError
from apps.events import audit
from apps.events.models import SystemEvent
from apps.tickets.models import Ticket
from apps.tickets.services.common import _locked, _require_agent

MAX_EVENTS_PER_LINK = 200


def link_events(ticket, events, *, actor, request=None) -> int:
    """Links Error Center events of the ticket's tenant (or platform-wide ones) to the ticket."""
    _require_agent(actor)
    events = list(events[: MAX_EVENTS_PER_LINK + 1])
    if not events:
        raise ServiceError("Choose at least one event to link.", "no_events")
    if len(events) > MAX_EVENTS_PER_LINK:
        raise ServiceError(f"Link at most {MAX_EVENTS_PER_LINK} events at once.", "too_many_events")
    foreign = [event.pk for event in events if event.tenant_id not in (None, ticket.tenant_id)]
    if foreign:
        raise ServiceError(f"Event(s) {foreign} belong to another tenant.", "foreign_events")
    with transaction.atomic():
        ticket.events.add(*events)
        audit.record(
            "ticket.events_linked",
            actor=actor,
            tenant=ticket.tenant,
            target=ticket,
            request=request,
            after={"events": [event.pk for event in events], "codes": sorted({e.code for e in events})},
        )
    return len(events)


def recent_automation_runs(ticket, limit=20):
    """The tenant's automation runs from a day before the ticket on, failed and timed-out first:
    what an agent checks when a guest says "the bot did not answer"."""
    from apps.integrations.models import AutomationRun

    since = ticket.created_at - timedelta(days=1)
    trouble = Case(
        When(status__in=[AutomationRun.Status.FAILED, AutomationRun.Status.TIMEOUT], then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return list(
        AutomationRun.objects.for_tenant(ticket.tenant)
        .filter(created_at__gte=since)
        .select_related("bot")
        .order_by(trouble, "-created_at")[:limit]
    )


def link_automation_runs(ticket, runs, *, actor, request=None) -> int:
    """Links automation runs of the ticket's tenant to the ticket."""
    _require_agent(actor)
    runs = list(runs[: MAX_EVENTS_PER_LINK + 1])
    if not runs:
        raise ServiceError("Choose at least one automation run to link.", "no_runs")
    if len(runs) > MAX_EVENTS_PER_LINK:
        raise ServiceError(f"Link at most {MAX_EVENTS_PER_LINK} runs at once.", "too_many_runs")
    foreign = [run.pk for run in runs if run.tenant_id != ticket.tenant_id]
    if foreign:
        raise ServiceError(f"Automation run(s) {foreign} belong to another tenant.", "foreign_runs")
    with transaction.atomic():
        ticket.automation_runs.add(*runs)
        audit.record(
            "ticket.automation_runs_linked",
            actor=actor,
            tenant=ticket.tenant,
            target=ticket,
            request=request,
            after={"automation_runs": [run.pk for run in runs]},
        )
    return len(runs)


def record_incident(ticket, incident, *, actor, request=None) -> Ticket:
    """The ticket's side of a link to an incident. `incidents.services.link_ticket` is the one way in:
    it calls this, then counts the ticket's tenant as affected."""
    _require_agent(actor)
    with transaction.atomic():
        ticket = _locked(ticket)
        before = ticket.incident_id
        ticket.incident = incident
        ticket.save(update_fields=["incident", "updated_at"])
        audit.record(
            "ticket.incident_linked",
            actor=actor,
            tenant=ticket.tenant,
            target=ticket,
            request=request,
            before={"incident": before},
            after={"incident": incident.pk if incident else None},
        )
    return ticket


def link_detected_incident(ticket_ids, incident) -> list[int]:
    """Detection links the tickets its events name to their incident: only tickets of the
    incident's affected tenants that no incident holds yet. The system acts, so no agent is needed."""
    unlinked = Ticket.objects.filter(
        pk__in=list(ticket_ids), incident__isnull=True, tenant__in=incident.affected_tenants.all()
    )
    linked = []
    with transaction.atomic():
        for ticket in unlinked.select_for_update(of=("self",)).select_related("tenant"):
            ticket.incident = incident
            ticket.save(update_fields=["incident", "updated_at"])
            audit.record(
                "ticket.incident_linked",
                tenant=ticket.tenant,
                target=ticket,
                actor_label="detection",
                before={"incident": None},
                after={"incident": incident.pk},
            )
            linked.append(ticket.pk)
    return linked


def correlated_events(ticket, *, before=timedelta(hours=1), limit=100):
    """The tenant's events from `before` ahead of the ticket up to now, and any of its own or
    platform-wide events sharing a correlation id with the ticket, its messages or its linked
    events; newest first."""
    ids = correlation_ids(ticket)
    around = SystemEvent.objects.for_tenant(ticket.tenant).filter(occurred_at__gte=ticket.created_at - before)
    same = (
        SystemEvent.objects.filter(Q(tenant=ticket.tenant) | Q(tenant__isnull=True), correlation_id__in=ids)
        if ids
        else SystemEvent.objects.none()
    )
    return (around | same).select_related("tenant").order_by("-occurred_at", "-id")[:limit]


def correlation_ids(ticket) -> set[str]:
    return {
        ticket.correlation_id,
        *ticket.messages.values_list("correlation_id", flat=True),
        *ticket.events.values_list("correlation_id", flat=True),
    } - {""}
