"""Status rules: a ticket moves only along TRANSITIONS; solved tickets close by themselves after
TICKET_AUTOCLOSE_DAYS (`close_solved_tickets`)."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.core.errors import PermissionRefused, ServiceError
from apps.events import audit
from apps.tickets import notifications, sla
from apps.tickets.models import PAUSED_STATUSES, Status, Ticket
from apps.tickets.services.common import _check_choice, _locked, _require_agent, _require_member, _save

TRANSITIONS = {
    Status.NEW: {Status.OPEN, Status.PENDING, Status.SOLVED, Status.CLOSED},
    Status.OPEN: {Status.PENDING, Status.SOLVED, Status.CLOSED},
    Status.PENDING: {Status.OPEN, Status.SOLVED, Status.CLOSED},
    Status.SOLVED: {Status.OPEN, Status.CLOSED},
    Status.CLOSED: set(),
}


def change_status(ticket, status, *, actor=None, now=None, request=None, by_customer=False) -> Ticket:
    """`actor` None is the system (auto-close). `by_customer`: a tenant member marking solved."""
    _check_choice(status, Status, "status")
    if not by_customer and actor is not None:
        _require_agent(actor)
    now = now or timezone.now()
    with transaction.atomic():
        ticket = _locked(ticket)
        if by_customer:
            _require_member(ticket, actor)
            if status != Status.SOLVED:
                raise PermissionRefused("Customers can only mark their tickets solved.", "customer_status")
        if status == ticket.status:
            return ticket
        before = ticket.status
        _move(ticket, status, actor=actor, now=now, notify=not by_customer)
        _save(ticket, now)
        audit.record(
            "ticket.status_changed",
            actor=actor,
            tenant=ticket.tenant,
            target=ticket,
            request=request,
            before={"status": before},
            after={"status": status},
            actor_label="" if actor else "system (auto-close)",
        )
    return ticket


def close_solved_tickets(now=None) -> int:
    """Closes tickets solved more than TICKET_AUTOCLOSE_DAYS ago (the periodic job)."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.TICKET_AUTOCLOSE_DAYS)
    closed = 0
    for ticket in Ticket.objects.filter(status=Status.SOLVED, solved_at__lte=cutoff).order_by("pk")[:1000]:
        with transaction.atomic():
            if _locked(ticket).status == Status.SOLVED:
                change_status(ticket, Status.CLOSED, actor=None, now=now)
                closed += 1
    return closed


def _move(ticket, status, *, actor, now, notify):
    """Applies one status transition and its effect on the SLA clock."""
    if status not in TRANSITIONS[ticket.status]:
        raise ServiceError(f"A {ticket.status} ticket cannot become {status}.", "bad_transition")
    before = ticket.status
    ticket.status = status
    if before == Status.SOLVED:
        sla.reopened(ticket)
    if status == Status.SOLVED:
        sla.solved(ticket, now)
    if status == Status.CLOSED:
        ticket.closed_at = now
    if status in PAUSED_STATUSES or status == Status.CLOSED:
        sla.pause(ticket, now)
    else:
        sla.resume(ticket, now)
    if notify:
        notifications.status_change(ticket, before, actor, now)
