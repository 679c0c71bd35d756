"""Conversations and their messages as providers report them; every write is an upsert keyed by
the provider's own ids, so a replayed event changes nothing twice."""

from datetime import UTC, datetime

from django.utils import timezone

from apps.integrations.models import Conversation, ConversationMessage

MESSAGE_KEY = ["connection", "provider_message_id"]
# What a message's later event overwrites (one INSERT … ON CONFLICT DO UPDATE; created_at stays).
MESSAGE_UPDATED = [
    "tenant",
    "inbound_event",
    "channel",
    "conversation",
    "direction",
    "contact_id",
    "contact_name",
    "message_type",
    "text",
    "sent_at",
]


def from_unix(value) -> datetime:
    """Provider timestamps (seconds, or milliseconds for WAHA) as aware datetimes; now if absent."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return timezone.now()
    if number > 1e11:
        number /= 1000
    return datetime.fromtimestamp(number, tz=UTC)


def upsert_conversation(event, *, channel, external_id, contact_id="", contact_name="", status=None, at=None):
    defaults = {"tenant_id": event.tenant_id, "channel": channel}
    conversation, _ = Conversation.objects.get_or_create(
        connection=event.connection, external_id=str(external_id), defaults=defaults
    )
    changes = {"contact_id": str(contact_id), "contact_name": contact_name, "status": status}
    for name, value in changes.items():
        if value:
            setattr(conversation, name, value)
    if at and (conversation.last_message_at is None or at > conversation.last_message_at):
        conversation.last_message_at = at
    conversation.save()
    return conversation


def record_message(
    event,
    conversation,
    *,
    provider_message_id,
    text,
    sent_at,
    message_type="text",
    direction=ConversationMessage.Direction.INBOUND,
):
    values = {
        "tenant_id": event.tenant_id,
        "inbound_event": event,
        "channel": conversation.channel,
        "conversation": conversation,
        "direction": direction,
        "contact_id": conversation.contact_id,
        "contact_name": conversation.contact_name,
        "message_type": message_type,
        "text": text or "",
        "sent_at": sent_at,
    }
    message = ConversationMessage(connection=event.connection, provider_message_id=str(provider_message_id), **values)
    ConversationMessage.objects.bulk_create(
        [message], update_conflicts=True, unique_fields=MESSAGE_KEY, update_fields=MESSAGE_UPDATED
    )
    _touch(conversation, sent_at)
    return message


def _touch(conversation, at):
    """The conversation's last_message_at follows its newest message, whatever order they came in."""
    if at and (conversation.last_message_at is None or at > conversation.last_message_at):
        conversation.last_message_at = at
        conversation.save(update_fields=["last_message_at", "updated_at"])
