"""A new ticket, from the portal, the API, e-mail or an agent."""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from apps.core import context
from apps.core.errors import ServiceError
from apps.tenants.models import Membership
from apps.tickets import sla
from apps.tickets.models import Channel, Priority, Status, Ticket
from apps.tickets.services.common import (
    Visibility,
    _check_choice,
    _clean_body,
    _clean_text,
    _customer_kind,
    _message,
    _tags,
)


def create_ticket(
    tenant,
    *,
    subject,
    body,
    priority=Priority.NORMAL,
    channel=Channel.PORTAL,
    requester=None,
    requester_name="",
    requester_email="",
    requester_phone="",
    tags=(),
    now=None,
) -> Ticket:
    """Opens a ticket with the customer's first message. `requester` is a member of the tenant;
    without one, give an external contact (name, email or phone). Other parts of Opsdesk call
    this to open tickets for a tenant."""
    now = now or timezone.now()
    subject = _clean_text(subject, "subject", 300)
    body = _clean_body(body)
    _check_choice(priority, Priority, "priority")
    _check_choice(channel, Channel, "channel")
    contact = _clean_contact(tenant, requester, requester_name, requester_email, requester_phone)
    with transaction.atomic():
        ticket = Ticket(
            tenant=tenant,
            subject=subject,
            priority=priority,
            channel=channel,
            status=Status.NEW,
            requester_user=requester,
            created_at=now,
            last_activity_at=now,
            correlation_id=context.current_correlation_id() or "",
            **contact,
        )
        sla.start(ticket)
        ticket.save()
        if tags:
            ticket.tags.set(_tags(tags))
        _message(
            ticket,
            Visibility.PUBLIC,
            _customer_kind(requester),
            requester,
            body,
            now,
            author_name=ticket.requester_label,
        )
    return ticket


def _clean_contact(tenant, requester, name, email, phone) -> dict:
    if requester is not None and not Membership.objects.for_tenant(tenant).filter(user=requester).exists():
        raise ServiceError(f"{requester} is not a member of {tenant.name}.", "requester_not_member")
    email = (email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ServiceError(
                f"requester_email: {email!r} is not an email address.", "invalid_requester_email"
            ) from None
    contact = {
        "requester_name": (name or "").strip()[:200],
        "requester_email": email,
        "requester_phone": (phone or "").strip()[:40],
    }
    if requester is None and not any(contact.values()):
        raise ServiceError(
            "requester: give a tenant member, or a contact's name, email or phone.", "requester_required"
        )
    return contact
