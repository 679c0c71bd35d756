"""Customers' WhatsApp and Telegram messages while manual mode is on: one ticket per conversation
(tenant + connection + contact) while it stays open, each message appended to it as the customer's,
the notice sent once. Runs inside the inbox's transaction (the `inbound_message(s)` receivers), so
the ticket commits with the stored message or not at all; a redelivered message is taken once."""

import hashlib

from django.db import IntegrityError, transaction
from django.db.models import Exists, Q
from django.utils import timezone

from apps.fallback import state
from apps.fallback.models import Conversation, CustomerMessage
from apps.fallback.services import notice
from apps.tenants.models import SystemSettings, Tenant
from apps.tickets import services as tickets
from apps.tickets.models import Channel, Status

TAG = "manual-mode"
CHANNELS = {"whatsapp_cloud": Channel.WHATSAPP, "waha": Channel.WHATSAPP, "telegram": Channel.TELEGRAM}
CHANNEL_NAMES = {"whatsapp_cloud": "WhatsApp", "waha": "WhatsApp", "telegram": "Telegram"}


class RaceLost(Exception):
    """Raised so the inbox retries the delivery (with backoff) rather than lose the message."""


NO_TEXT = "(A message without text — a picture, voice note, file or sticker; open it in the app.)"


def take_batch(channel, items) -> int:
    """The batch form: tenants' manual mode read once for the batch; returns messages taken."""
    on = tenants_in_manual_mode({item.connection.tenant_id for item in items})
    return sum(_take(channel, item) for item in items if item.connection.tenant_id in on)


def take(channel, item) -> int:
    """One message; 1 when it went into a ticket, 0 when manual mode is off or it was seen."""
    if channel not in CHANNELS or not state.is_on(item.connection.tenant):
        return 0
    return _take(channel, item)


def tenants_in_manual_mode(tenant_ids) -> set:
    """Which of these tenants are in manual mode (their own switch or the platform's): one query."""
    platform_on = Exists(SystemSettings.objects.filter(pk=1, manual_mode_since__isnull=False))
    found = Tenant.objects.filter(Q(manual_mode_since__isnull=False) | Q(platform_on), pk__in=tenant_ids)
    return set(found.values_list("pk", flat=True))


def _take(channel, item) -> int:
    if channel not in CHANNELS:
        return 0
    conversation = _open_conversation(item)
    if conversation is None:
        conversation = _start(channel, item)
        if conversation is not None:
            notice.send(conversation)
            return 1
        conversation = _open_conversation(item)
    if conversation is None:
        raise RaceLost(f"The conversation with {item.contact_id} changed while its message was taken; retry it.")
    return _append(conversation, item)


def _open_conversation(item) -> Conversation | None:
    """The contact's open conversation, locked; one whose ticket was closed ends here."""
    found = (
        Conversation.objects.select_for_update(of=("self",))
        .select_related("ticket", "tenant", "connection")
        .filter(connection=item.connection, contact_id=item.contact_id, state=Conversation.State.OPEN)
        .first()
    )
    if found is not None and found.ticket.status == Status.CLOSED:
        Conversation.objects.filter(pk=found.pk).update(state=Conversation.State.ENDED)
        return None
    return found


def _start(channel, item) -> Conversation | None:
    """A new ticket and its conversation; None when another worker opened it at the same moment
    (the unique constraint refused this one), and the caller appends to theirs instead."""
    try:
        with transaction.atomic():
            ticket = tickets.create_ticket(
                item.connection.tenant,
                subject=_subject(channel, item),
                body=item.text.strip() or NO_TEXT,
                channel=CHANNELS[channel],
                requester_name=_name(channel, item),
                requester_phone=item.contact_id if CHANNELS[channel] == Channel.WHATSAPP else "",
                tags=[TAG],
                now=item.received_at,
            )
            conversation = Conversation.objects.create(
                tenant=ticket.tenant,
                connection=item.connection,
                channel=channel,
                contact_id=item.contact_id,
                contact_name=(item.contact_name or "")[:255],
                ticket=ticket,
                opened_at=timezone.now(),
                last_customer_message_at=item.received_at,
            )
            _remember(conversation, item, ticket.messages.get())
    except IntegrityError:
        return None
    return conversation


def _append(conversation, item) -> int:
    seen = CustomerMessage.objects.filter(conversation=conversation, provider_message_id=_message_key(item))
    if seen.exists():
        return 0
    message = tickets.customer_reply(
        conversation.ticket, item.text.strip() or NO_TEXT, author_name=_name(conversation.channel, item)
    )
    _remember(conversation, item, message)
    latest = max(conversation.last_customer_message_at, item.received_at)
    Conversation.objects.filter(pk=conversation.pk).update(last_customer_message_at=latest)
    return 1


def _remember(conversation, item, ticket_message):
    CustomerMessage.objects.create(
        tenant_id=conversation.tenant_id,
        conversation=conversation,
        provider_message_id=_message_key(item),
        ticket_message=ticket_message,
        received_at=item.received_at,
    )


def _message_key(item) -> str:
    """The provider's message id; without one, the moment and the text stand in for it."""
    if item.provider_message_id:
        return item.provider_message_id[:255]
    return f"{item.received_at.isoformat()}:{hashlib.sha256(item.text.encode()).hexdigest()[:16]}"


def _name(channel, item) -> str:
    return item.contact_name or f"{CHANNEL_NAMES[channel]} {item.contact_id}"


def _subject(channel, item) -> str:
    return f"{CHANNEL_NAMES[channel]} from {_name(channel, item)} (manual mode)"[:300]
