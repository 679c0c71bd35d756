"""The conversation: an agent's public reply moves a new or open ticket to pending (waiting on the
customer) unless the agent picks another status; a customer's reply reopens a pending or solved ticket."""

from django.db import transaction
from django.utils import timezone

from apps.core.errors import ServiceError
from apps.events import audit
from apps.tickets import macros, notifications, signals, sla
from apps.tickets.models import PAUSED_STATUSES, Status, Ticket, TicketMessage
from apps.tickets.services.common import (
    AuthorKind,
    Visibility,
    _check_choice,
    _clean_body,
    _customer_kind,
    _locked,
    _message,
    _refuse_closed,
    _require_agent,
    _require_member,
    _save,
)
from apps.tickets.services.lifecycle import _move, change_status


def reply(ticket, body, *, actor, status=None, now=None) -> TicketMessage:
    """An agent's public reply. Without `status`, a new or open ticket becomes pending."""
    _require_agent(actor)
    now = now or timezone.now()
    body = _clean_body(body)
    with transaction.atomic():
        ticket = _locked(ticket)
        _refuse_closed(ticket)
        target = status or (Status.PENDING if ticket.status in (Status.NEW, Status.OPEN) else None)
        sla.responded(ticket, now)
        if target and target != ticket.status:
            _move(ticket, target, actor=actor, now=now, notify=False)
        message = _message(ticket, Visibility.PUBLIC, AuthorKind.AGENT, actor, body, now)
        _save(ticket, now)
        notifications.public_reply(ticket, message)
        signals.public_reply_posted.send(sender=Ticket, ticket=ticket, message=message)
    return message


def add_note(ticket, body, *, actor, now=None) -> TicketMessage:
    """An internal note: agents only, never shown to the tenant, changes no status or SLA."""
    _require_agent(actor)
    now = now or timezone.now()
    body = _clean_body(body)
    with transaction.atomic():
        ticket = _locked(ticket)
        message = _message(ticket, Visibility.INTERNAL, AuthorKind.AGENT, actor, body, now)
        _save(ticket, now)
    return message


def add_system_note(ticket, body, *, author_name="Opsdesk", now=None) -> TicketMessage:
    """An internal note Opsdesk writes itself (no agent), e.g. what became of a message to the
    customer; like an agent's note it changes no status or SLA."""
    now = now or timezone.now()
    body = _clean_body(body)
    with transaction.atomic():
        ticket = _locked(ticket)
        message = _message(ticket, Visibility.INTERNAL, AuthorKind.SYSTEM, None, body, now, author_name=author_name)
        _save(ticket, now)
    return message


def customer_reply(ticket, body, *, author=None, author_name="", now=None) -> TicketMessage:
    """A reply from the tenant's side (a member, the external requester, or the tenant's API key).
    Reopens a pending or solved ticket and starts the next-response clock."""
    now = now or timezone.now()
    body = _clean_body(body)
    with transaction.atomic():
        ticket = _locked(ticket)
        _require_member(ticket, author)
        _refuse_closed(ticket)
        if ticket.status in PAUSED_STATUSES:
            _move(ticket, Status.OPEN, actor=author, now=now, notify=False)
        sla.customer_wrote(ticket, now)
        message = _message(
            ticket, Visibility.PUBLIC, _customer_kind(author), author, body, now, author_name=author_name or None
        )
        _save(ticket, now)
        notifications.customer_reply(ticket, message)
    return message


def apply_macro(ticket, macro, *, actor, now=None) -> TicketMessage:
    """Posts the macro's text, placeholders filled in, as a reply or a note, and sets its status."""
    if not macro.is_active:
        raise ServiceError(f"The macro {macro.name!r} is switched off.", "macro_inactive")
    body = macros.render(macro.body, ticket, actor)
    if macro.visibility == Visibility.PUBLIC:
        return reply(ticket, body, actor=actor, status=macro.set_status or None, now=now)
    with transaction.atomic():
        message = add_note(ticket, body, actor=actor, now=now)
        if macro.set_status and macro.set_status != ticket.status:
            change_status(ticket, macro.set_status, actor=actor, now=now)
    return message


def reply_to_incident_tickets(incident, body, *, actor, status=None, now=None, request=None) -> dict:
    """One public reply, sent to every ticket linked to the incident that is not closed."""
    _require_agent(actor)
    body = _clean_body(body)
    if status:
        _check_choice(status, Status, "status")
    result = {"replied": [], "refused": []}
    for ticket in incident.tickets.exclude(status=Status.CLOSED).order_by("pk"):
        try:
            reply(ticket, body, actor=actor, status=status or None, now=now)
            result["replied"].append(ticket.pk)
        except ServiceError as exc:
            result["refused"].append((ticket.pk, exc.message))
    audit.record(
        "incident.tickets_replied",
        actor=actor,
        target=incident,
        request=request,
        after={"tickets": result["replied"], "status": status or "", "refused": len(result["refused"])},
    )
    return result
