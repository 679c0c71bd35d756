"""Shared by the ticket services: the locked row, messages, and the checks every change makes."""

from apps.core import context
from apps.core.errors import PermissionRefused, ServiceError
from apps.tenants.models import Membership
from apps.tickets.models import Status, Tag, Ticket, TicketMessage

MAX_BODY = 20000
Visibility, AuthorKind = TicketMessage.Visibility, TicketMessage.AuthorKind


def _locked(ticket) -> Ticket:
    return (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("tenant", "tenant__plan", "sla_policy", "requester_user", "assignee")
        .get(pk=ticket.pk)
    )


def _save(ticket, now):
    ticket.last_activity_at = now
    ticket.save()


def _message(ticket, visibility, author_kind, author, body, now, author_name=None) -> TicketMessage:
    return TicketMessage.objects.create(
        tenant_id=ticket.tenant_id,
        ticket=ticket,
        visibility=visibility,
        author_kind=author_kind,
        author=author if getattr(author, "pk", None) else None,
        author_name=(author_name or _name(author) or ticket.requester_label)[:200],
        body=body,
        correlation_id=context.current_correlation_id() or "",
        created_at=now,
    )


def _name(user):
    if user is None or getattr(user, "pk", None) is None:
        return ""
    return user.get_full_name() or user.get_username()


def _customer_kind(user):
    return AuthorKind.MEMBER if getattr(user, "pk", None) else AuthorKind.REQUESTER


def _require_agent(actor):
    if actor is None or not getattr(actor, "is_staff", False):
        raise PermissionRefused("Only support agents (staff) can do this.", "not_an_agent")


def _require_member(ticket, user):
    if getattr(user, "pk", None) is None:
        return
    if not Membership.objects.for_tenant(ticket.tenant).filter(user=user).exists():
        raise PermissionRefused(f"{user} is not a member of {ticket.tenant.name}.", "not_a_member")


def _refuse_closed(ticket):
    if ticket.status == Status.CLOSED:
        raise ServiceError(f"Ticket #{ticket.pk} is closed; open a new ticket instead.", "ticket_closed")


def _clean_text(value, field, max_length):
    value = (value or "").strip() if isinstance(value, str) else ""
    if not value:
        raise ServiceError(f"{field}: this field is required.", f"{field}_required")
    if len(value) > max_length:
        raise ServiceError(
            f"{field}: at most {max_length} characters (this one has {len(value)}).", f"{field}_too_long"
        )
    return value


def _clean_body(body):
    return _clean_text(body, "body", MAX_BODY)


def _check_choice(value, choices, field):
    if value not in choices.values:
        raise ServiceError(f"{field}: {value!r} is not one of {', '.join(choices.values)}.", f"invalid_{field}")


def _tags(names):
    names = {str(name).strip().lower() for name in names if str(name).strip()}
    return [Tag.objects.get_or_create(name=name[:50])[0] for name in sorted(names)]
