"""Chatwoot events: messages and conversation status changes are stored."""

from apps.integrations import conversations, signals
from apps.integrations.handlers import handles
from apps.integrations.models import ConversationMessage

CHANNEL = "chatwoot"


def _conversation(event, data, status=None):
    contact = (data.get("meta") or {}).get("sender") or data.get("sender") or {}
    return conversations.upsert_conversation(
        event,
        channel=CHANNEL,
        external_id=data.get("id"),
        contact_id=contact.get("id") or "",
        contact_name=contact.get("name") or "",
        status=status or data.get("status"),
    )


@handles("chatwoot", "message_created")
def message_created(event):
    data = event.payload
    conversation = _conversation(event, data.get("conversation") or {"id": f"message-{data['id']}"})
    outgoing = data.get("message_type") in ("outgoing", 1)
    direction = ConversationMessage.Direction.OUTBOUND if outgoing else ConversationMessage.Direction.INBOUND
    sent_at = (
        conversations.from_unix(data.get("created_at"))
        if not isinstance(data.get("created_at"), str)
        else event.received_at
    )
    conversations.record_message(
        event,
        conversation,
        provider_message_id=data["id"],
        text=data.get("content") or "",
        sent_at=sent_at,
        message_type=str(data.get("content_type") or "text"),
        direction=direction,
    )
    signals.chatwoot_message.send(sender=CHANNEL, connection=event.connection, payload=data)


@handles("chatwoot", "conversation_status_changed")
def conversation_status_changed(event):
    _conversation(event, event.payload, status=event.payload.get("status"))
