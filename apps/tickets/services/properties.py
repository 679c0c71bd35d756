"""Who works a ticket, how urgent it is, its tags."""

from django.db import transaction
from django.utils import timezone

from apps.core.errors import ServiceError
from apps.events import audit
from apps.tickets import sla
from apps.tickets.models import Priority, Ticket
from apps.tickets.services.common import _check_choice, _locked, _require_agent, _save, _tags


def assign(ticket, assignee, *, actor, request=None) -> Ticket:
    """`assignee` None unassigns. Assignees are active staff."""
    _require_agent(actor)
    if assignee is not None and not (assignee.is_staff and assignee.is_active):
        raise ServiceError(f"{assignee} is not active staff; tickets go to agents.", "assignee_not_staff")
    with transaction.atomic():
        ticket = _locked(ticket)
        before = ticket.assignee.get_username() if ticket.assignee_id else None
        ticket.assignee = assignee
        ticket.save(update_fields=["assignee", "updated_at"])
        audit.record(
            "ticket.assigned",
            actor=actor,
            tenant=ticket.tenant,
            target=ticket,
            request=request,
            before={"assignee": before},
            after={"assignee": assignee.get_username() if assignee else None},
        )
    return ticket


def set_priority(ticket, priority, *, actor, now=None, request=None) -> Ticket:
    """A new priority brings that priority's SLA policy; due times are recomputed from the start."""
    _require_agent(actor)
    _check_choice(priority, Priority, "priority")
    with transaction.atomic():
        ticket = _locked(ticket)
        if priority == ticket.priority:
            return ticket
        before = ticket.priority
        ticket.priority = priority
        sla.start(ticket)
        _save(ticket, now or timezone.now())
        audit.record(
            "ticket.priority_changed",
            actor=actor,
            tenant=ticket.tenant,
            target=ticket,
            request=request,
            before={"priority": before},
            after={"priority": priority},
        )
    return ticket


def set_tags(ticket, names, *, actor) -> Ticket:
    _require_agent(actor)
    ticket.tags.set(_tags(names))
    return ticket
