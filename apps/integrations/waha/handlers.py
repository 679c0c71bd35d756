"""WAHA events: session status moves the connection's state; messages are stored and handed to
outbound policy and automations; acks move outbound messages."""

from django.utils import timezone

from apps.core import contacts
from apps.events import emit
from apps.integrations import automation, conversations, signals
from apps.integrations.handlers import handles
from apps.integrations.waha import sessions

CHANNEL = "waha"
DOWN_STATES = {"FAILED", "STOPPED"}
ACK_STATUS = {1: "sent", 2: "delivered", 3: "read", 4: "read", -1: "failed"}
STATUS_CHAT = "status@broadcast"
SHARED_CHAT_SUFFIXES = ("@g.us", "@newsletter", "@broadcast")
WORDS_TYPES = {"text", "media", "image", "video", "document"}


@handles("waha", "session.status")
def session_status(event):
    """Every status, with the `statuses[]` history, moves the connection (through the session
    services); FAILED or a QR code shown too long asks incidents to open or join the tenant's."""
    connection = event.connection
    change = sessions.record_session_status(connection, event.payload.get("payload") or {})
    name = event.payload.get("session", "")
    emit(
        "WHATSAPP_CONNECTION_UPDATE",
        tenant=event.tenant,
        source="integrations.waha",
        inbound_event=event,
        message=_update_message(name, change, connection),
        meta={
            "connection_id": str(connection.pk),
            "waha_status": change.reported,
            "statuses": list(change.history),
            "applied": change.applied,
            "new_contacts_paused": connection.is_new_contacts_paused,
        },
    )
    if change.applied and change.reported in DOWN_STATES:
        emit(
            "WAHA_SESSION_DOWN",
            tenant=event.tenant,
            source="integrations.waha",
            inbound_event=event,
            message=f"WAHA session {name} is {change.reported}.",
            meta={"connection_id": str(connection.pk)},
        )
    if change.applied and _needs_people(connection, change.reported):
        signals.whatsapp_session_trouble.send(
            sender=CHANNEL,
            connection=connection,
            status=change.reported,
            since=connection.provider_status_at,
            now=timezone.now(),
        )


def _update_message(name, change, connection) -> str:
    text = f"WAHA session {name} is {change.reported}."
    if not change.applied:
        return text + " (An older status arriving late; the connection keeps its newer one.)"
    if change.paused:
        return f"{text} {connection.new_contacts_paused_reason}"
    if change.lifted:
        return f"{text} WhatsApp lifted its limit on new contacts; sending to them resumes."
    return text


def _needs_people(connection, reported) -> bool:
    if reported in sessions.TROUBLE:
        return True
    return reported == "SCAN_QR_CODE" and connection in sessions.stuck_in_scan_qr()


@handles("waha", "message")
def inbound_message(event):
    """A person's message is stored, handed to outbound policy and starts the bots. A Status update
    (`status@broadcast`) is no conversation: nothing is stored. A group's, a channel's or a broadcast
    list's message is stored for operators, but neither tells outbound policy about a person nor
    starts a bot (the answer would go to everyone in it)."""
    message = event.payload.get("payload") or {}
    chat = str(message.get("from", ""))
    if message.get("fromMe") or chat.lower() == STATUS_CHAT:
        return
    stored = _stored(event, message, chat)
    if is_shared_chat(chat):
        return
    signals.tell_inbound(CHANNEL, event.connection, stored)
    automation.start_runs(event, stored)


def _stored(event, message, chat):
    sender = contacts.canonical_or_raw(CHANNEL, chat)
    sent_at = conversations.from_unix(message.get("timestamp"))
    name = _raw(message).get("notifyName", "")
    conversation = conversations.upsert_conversation(
        event, channel=CHANNEL, external_id=chat, contact_id=sender, contact_name=name, at=sent_at
    )
    return conversations.record_message(
        event,
        conversation,
        provider_message_id=message.get("id") or event.external_id,
        text=message_text(message),
        sent_at=sent_at,
        message_type=message_type(message),
    )


def _raw(message) -> dict:
    raw = message.get("_data")
    return raw if isinstance(raw, dict) else {}


def is_shared_chat(chat) -> bool:
    return chat.lower().endswith(SHARED_CHAT_SUFFIXES)


def message_type(message) -> str:
    """WEBJS names the type (`_data.type`, "chat" for text); NOWEB and GOWS do not, so a location,
    a contact card or media is told by the fields WAHA fills for it."""
    kind = _raw(message).get("type")
    if isinstance(kind, str) and kind:
        return "text" if kind == "chat" else kind[:32]
    if message.get("location"):
        return "location"
    if message.get("vCards"):
        return "vcard"
    return "media" if message.get("hasMedia") else "text"


def message_text(message) -> str:
    """What the person wrote: a text, or a media's caption. WEBJS puts other data in `body` too
    (a contact card's vCard, a location's base64 thumbnail), which is nobody's words."""
    if message_type(message) not in WORDS_TYPES:
        return ""
    return str(message.get("body") or "")


@handles("waha", "message.ack")
def message_ack(event):
    ack = event.payload.get("payload") or {}
    status = ACK_STATUS.get(ack.get("ack"))
    if status:
        signals.delivery_status.send(
            sender=CHANNEL,
            connection=event.connection,
            provider_message_id=ack.get("id", ""),
            status=status,
            error_code=None,
            error_title="",
            occurred_at=conversations.from_unix(ack.get("timestamp")),
        )
