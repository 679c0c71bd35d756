"""Telegram updates: messages are stored as conversation messages of the chat; a new message in a
private chat is handed to outbound policy and starts the tenant's bots (an edit does neither, nor
does a group's message: a bot's answer there would be public)."""

from apps.core import contacts
from apps.integrations import automation, conversations, signals
from apps.integrations.handlers import handles

CHANNEL = "telegram"
START_COMMAND = "/start"


@handles("telegram", "message", "edited_message")
def message(event):
    message = event.payload.get("message") or event.payload.get("edited_message") or {}
    chat = message.get("chat") or {}
    stored = _stored(event, message, chat)
    if "message" not in event.payload or chat.get("type") != "private":
        return
    signals.tell_inbound(CHANNEL, event.connection, stored)
    if not is_start(stored.text):
        automation.start_runs(event, stored)


def _stored(event, message, chat):
    sender = message.get("from") or {}
    name = " ".join(filter(None, [sender.get("first_name"), sender.get("last_name")])) or chat.get("title", "")
    sent_at, chat_id = conversations.from_unix(message.get("date")), contacts.canonical_or_raw(CHANNEL, chat.get("id"))
    conversation = conversations.upsert_conversation(
        event, channel=CHANNEL, external_id=chat.get("id"), contact_id=chat_id, contact_name=name, at=sent_at
    )
    return conversations.record_message(
        event,
        conversation,
        provider_message_id=f"{chat.get('id')}:{message.get('message_id')}",
        text=message.get("text") or message.get("caption") or "",
        sent_at=sent_at,
    )


def is_start(text) -> bool:
    """Telegram's Start button sends `/start` (`/start ref123` from a deep link): it opens the chat
    and asks nothing a bot could answer. A bare `/start` is outbound policy's START keyword."""
    words = (text or "").split(maxsplit=1)
    return bool(words) and words[0].split("@", 1)[0].lower() == START_COMMAND
