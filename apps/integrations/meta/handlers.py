"""What Meta's webhook items do: an inbound message is stored as a conversation message and handed
to outbound policy (STOP words, the 24-hour window, stop-on-reply) and to automations; a status
moves the outbound message it belongs to."""

from apps.core import contacts
from apps.events import emit
from apps.integrations import automation, conversations, signals
from apps.integrations.handlers import handles, handles_batch

CHANNEL = "whatsapp_cloud"


def message_text(message) -> str:
    kind = message.get("type", "text")
    part = message.get(kind) or {}
    if kind == "text":
        return part.get("body", "")
    if kind == "button":
        return part.get("text", "")
    if kind == "interactive":
        reply = part.get("button_reply") or part.get("list_reply") or {}
        return reply.get("title", "")
    return part.get("caption", "") if isinstance(part, dict) else ""


def _contact_name(payload, wa_id):
    for contact in payload.get("contacts") or []:
        if contacts.canonical_or_raw(CHANNEL, contact.get("wa_id")) == wa_id:
            return (contact.get("profile") or {}).get("name", "")
    return ""


@handles("meta", "message")
def inbound_message(event):
    message = event.payload["message"]
    sender = contacts.canonical_or_raw(CHANNEL, message.get("from"))
    sent_at = conversations.from_unix(message.get("timestamp"))
    name = _contact_name(event.payload, sender)
    conversation = conversations.upsert_conversation(
        event, channel=CHANNEL, external_id=sender, contact_id=sender, contact_name=name, at=sent_at
    )
    stored = conversations.record_message(
        event,
        conversation,
        provider_message_id=message["id"],
        text=message_text(message),
        sent_at=sent_at,
        message_type=message.get("type", "text"),
    )
    signals.tell_inbound(CHANNEL, event.connection, stored)
    automation.start_runs(event, stored)


@handles_batch("meta", "message", commutes_with=("status",))
def inbound_messages(events):
    """The batch form of `inbound_message`: one conversation upsert and one message upsert for all,
    outbound policy told once (`inbound_messages`: once per contact), automations started with the
    bots of each tenant read once."""
    parsed = [_parsed(event) for event in events]
    found = conversations.upsert_conversations(
        [
            conversations.Change(event, CHANNEL, sender, contact_id=sender, contact_name=name, at=sent_at)
            for event, (message, sender, sent_at, name) in zip(events, parsed, strict=True)
        ]
    )
    stored = conversations.record_messages(
        [
            conversations.message_row(
                event,
                found[(event.connection_id, sender)],
                provider_message_id=message["id"],
                text=message_text(message),
                sent_at=sent_at,
                message_type=message.get("type", "text"),
            )
            for event, (message, sender, sent_at, name) in zip(events, parsed, strict=True)
        ]
    )
    _tell_outbound(
        [
            signals.InboundMessage(event.connection, sender, row.text, sent_at, name, row.provider_message_id)
            for event, row, (_message, sender, sent_at, name) in zip(events, stored, parsed, strict=True)
        ]
    )
    automation.start_runs_batch(list(zip(events, stored, strict=True)))


def _parsed(event) -> tuple:
    message = event.payload["message"]
    sender = contacts.canonical_or_raw(CHANNEL, message.get("from"))
    return message, sender, conversations.from_unix(message.get("timestamp")), _contact_name(event.payload, sender)


def _tell_outbound(items):
    signals.inbound_messages.send(sender=CHANNEL, messages=items)
    for item in items:
        signals.inbound_message.send(sender=CHANNEL, batched=True, **vars(item))


@handles("meta", "status")
def delivery_status(event):
    status = event.payload["status"]
    error = (status.get("errors") or [{}])[0]
    matched = signals.answered(
        signals.delivery_status.send(
            sender=CHANNEL,
            connection=event.connection,
            provider_message_id=status["id"],
            status=status.get("status", ""),
            error_code=error.get("code"),
            error_title=error.get("title", ""),
            occurred_at=conversations.from_unix(status.get("timestamp")),
        )
    )
    if not matched and status.get("status") == "failed":
        emit(
            "META_SEND_FAIL",
            tenant=event.tenant,
            source="integrations.meta",
            message=f"Meta reported message {status['id']} failed: {error.get('code')} {error.get('title', '')}",
            meta={"meta_error_code": error.get("code"), "recipient": status.get("recipient_id", "")},
            inbound_event=event,
        )
