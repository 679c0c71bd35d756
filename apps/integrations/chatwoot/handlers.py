"""Chatwoot events: messages and conversation status changes are stored."""

from apps.integrations import conversations, signals
from apps.integrations.handlers import handles, handles_batch
from apps.integrations.models import ConversationMessage
from apps.integrations.synthetic_delivery import TEST_EVENT

CHANNEL = "chatwoot"


def _change(event, data, status=None) -> conversations.Change:
    contact = (data.get("meta") or {}).get("sender") or data.get("sender") or {}
    return conversations.Change(
        event,
        channel=CHANNEL,
        external_id=str(data.get("id")),
        contact_id=str(contact.get("id") or ""),
        contact_name=contact.get("name") or "",
        status=status or data.get("status") or "",
    )


def _conversation(event, data, status=None):
    change = _change(event, data, status)
    return conversations.upsert_conversation(
        event,
        channel=CHANNEL,
        external_id=change.external_id,
        contact_id=change.contact_id,
        contact_name=change.contact_name,
        status=change.status,
    )


def _conversation_of(data) -> dict:
    return data.get("conversation") or {"id": f"message-{data['id']}"}


def _message_fields(event, data) -> dict:
    outgoing = data.get("message_type") in ("outgoing", 1)
    sent_at = (
        conversations.from_unix(data.get("created_at"))
        if not isinstance(data.get("created_at"), str)
        else event.received_at
    )
    return {
        "provider_message_id": data["id"],
        "text": data.get("content") or "",
        "sent_at": sent_at,
        "message_type": str(data.get("content_type") or "text"),
        "direction": ConversationMessage.Direction.OUTBOUND if outgoing else ConversationMessage.Direction.INBOUND,
    }


@handles("chatwoot", "message_created")
def message_created(event):
    data = event.payload
    conversation = _conversation(event, _conversation_of(data))
    conversations.record_message(event, conversation, **_message_fields(event, data))
    signals.chatwoot_message.send(sender=CHANNEL, connection=event.connection, payload=data)


@handles_batch("chatwoot", "message_created")
def messages_created(events):
    """The batch form of `message_created`: one conversation upsert, one message upsert, and the
    knowledge feed told once per connection (`chatwoot_messages`)."""
    fields = [_message_fields(event, event.payload) for event in events]
    changes = [
        conversations.Change(**{**vars(_change(event, _conversation_of(event.payload))), "at": field["sent_at"]})
        for event, field in zip(events, fields, strict=True)
    ]
    found = conversations.upsert_conversations(changes)
    conversations.record_messages(
        [
            conversations.message_row(event, found[(event.connection_id, change.external_id)], **field)
            for event, change, field in zip(events, changes, fields, strict=True)
        ]
    )
    _tell_knowledge(events)


def _tell_knowledge(events):
    by_connection = {}
    for event in events:
        by_connection.setdefault(event.connection_id, []).append(event)
    for connection_events in by_connection.values():
        connection = connection_events[0].connection
        payloads = [event.payload for event in connection_events]
        signals.chatwoot_messages.send(sender=CHANNEL, connection=connection, payloads=payloads)
        for payload in payloads:
            signals.chatwoot_message.send(sender=CHANNEL, connection=connection, payload=payload, batched=True)


@handles("chatwoot", "conversation_status_changed")
def conversation_status_changed(event):
    _conversation(event, event.payload, status=event.payload.get("status"))


@handles("chatwoot", TEST_EVENT)
def synthetic_delivery(event):
    """Opsdesk's own synthetic delivery (apps.integrations.synthetic_delivery): processing it is the proof;
    it is nobody's message, so nothing else happens."""
