"""Conversations and their messages as providers report them; every write is an upsert keyed by
the provider's own ids, so a replayed event changes nothing twice."""

from dataclasses import dataclass
from datetime import UTC, datetime

from django.db.models import Q
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


@dataclass(frozen=True)
class Change:
    """What one event says about a conversation (empty values change nothing), for the batch upsert."""

    event: object
    channel: str
    external_id: str
    contact_id: str = ""
    contact_name: str = ""
    status: str = ""
    at: datetime | None = None


def upsert_conversations(changes: list[Change]) -> dict:
    """The batch form of `upsert_conversation`: the same result as applying each change in order,
    with one locked SELECT and one INSERT … ON CONFLICT DO UPDATE for all of them. Returns
    {(connection id, external id): Conversation}."""
    merged = {}
    for change in changes:
        merged.setdefault((change.event.connection_id, str(change.external_id)), []).append(change)
    known = _locked_conversations(merged)
    rows = [_applied(known.get(key), key, key_changes) for key, key_changes in merged.items()]
    Conversation.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["connection", "external_id"],
        update_fields=["contact_id", "contact_name", "status", "last_message_at", "updated_at"],
    )
    return {(row.connection_id, row.external_id): row for row in rows}


def _locked_conversations(keys) -> dict:
    wanted = {}
    for connection_id, external_id in keys:
        wanted.setdefault(connection_id, []).append(external_id)
    query = Q()
    for connection_id, external_ids in wanted.items():
        query |= Q(connection_id=connection_id, external_id__in=external_ids)
    found = Conversation.objects.select_for_update().filter(query).order_by("id")
    return {(row.connection_id, row.external_id): row for row in found}


def _applied(conversation, key, changes) -> Conversation:
    first = changes[0]
    if conversation is None:
        conversation = Conversation(
            connection_id=key[0], external_id=key[1], tenant_id=first.event.tenant_id, channel=first.channel
        )
    for change in changes:
        for name in ("contact_id", "contact_name", "status"):
            if getattr(change, name):
                setattr(conversation, name, str(getattr(change, name)))
        if change.at and (conversation.last_message_at is None or change.at > conversation.last_message_at):
            conversation.last_message_at = change.at
    return conversation


def message_row(event, conversation, *, provider_message_id, text, sent_at, message_type="text", direction=None):
    """An unsaved ConversationMessage as `record_message` writes it, for `record_messages`."""
    return ConversationMessage(
        connection_id=event.connection_id,
        provider_message_id=str(provider_message_id),
        tenant_id=event.tenant_id,
        inbound_event=event,
        channel=conversation.channel,
        conversation=conversation,
        direction=direction or ConversationMessage.Direction.INBOUND,
        contact_id=conversation.contact_id,
        contact_name=conversation.contact_name,
        message_type=message_type,
        text=text or "",
        sent_at=sent_at,
    )


def record_messages(rows: list[ConversationMessage]) -> list[ConversationMessage]:
    """Stores the messages with one INSERT … ON CONFLICT DO UPDATE; a message that comes twice is
    written once, as its last event says. Returns the stored row for each given row, in order.
    The conversations' last_message_at is the caller's (`Change.at` in the batch upsert)."""
    last = {}
    for row in rows:
        last[(row.connection_id, row.provider_message_id)] = row
    ConversationMessage.objects.bulk_create(
        list(last.values()), update_conflicts=True, unique_fields=MESSAGE_KEY, update_fields=MESSAGE_UPDATED
    )
    return [last[(row.connection_id, row.provider_message_id)] for row in rows]
