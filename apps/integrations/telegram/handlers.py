"""Telegram updates: messages are stored as conversation messages of the chat; a new message is
handed to outbound policy and starts the tenant's bots (an edit does neither)."""

from apps.core import contacts
from apps.integrations import automation, conversations, signals
from apps.integrations.handlers import handles

CHANNEL = "telegram"


@handles("telegram", "message", "edited_message")
def message(event):
    message = event.payload.get("message") or event.payload.get("edited_message") or {}
    chat, sender = message.get("chat") or {}, message.get("from") or {}
    name = " ".join(filter(None, [sender.get("first_name"), sender.get("last_name")])) or chat.get("title", "")
    sent_at, chat_id = conversations.from_unix(message.get("date")), contacts.canonical_or_raw(CHANNEL, chat.get("id"))
    conversation = conversations.upsert_conversation(
        event, channel=CHANNEL, external_id=chat.get("id"), contact_id=chat_id, contact_name=name, at=sent_at
    )
    stored = conversations.record_message(
        event,
        conversation,
        provider_message_id=f"{chat.get('id')}:{message.get('message_id')}",
        text=message.get("text") or message.get("caption") or "",
        sent_at=sent_at,
    )
    if "message" in event.payload:
        signals.inbound_message.send(
            sender=CHANNEL,
            connection=event.connection,
            contact_id=chat_id,
            text=stored.text,
            received_at=sent_at,
            contact_name=name,
            provider_message_id=stored.provider_message_id,
        )
        automation.start_runs(event, stored)
