"""WAHA events: session status moves the connection's state; messages are stored and handed to
outbound policy and automations; acks move outbound messages."""

from apps.core import contacts
from apps.events import emit
from apps.integrations import automation, conversations, services, signals
from apps.integrations.handlers import handles
from apps.integrations.models import Connection

CHANNEL = "waha"
CONNECTED_STATES = {"WORKING"}
DOWN_STATES = {"FAILED", "STOPPED"}
ACK_STATUS = {1: "sent", 2: "delivered", 3: "read", 4: "read", -1: "failed"}


@handles("waha", "session.status")
def session_status(event):
    reported = str((event.payload.get("payload") or {}).get("status", "")).upper()
    state = Connection.State.CONNECTED if reported in CONNECTED_STATES else Connection.State.DISCONNECTED
    connection = event.connection
    services.record_state(connection, state, reported=reported, source="waha session.status")
    emit(
        "WHATSAPP_CONNECTION_UPDATE",
        tenant=event.tenant,
        source="integrations.waha",
        inbound_event=event,
        message=f"WAHA session {event.payload.get('session', '')} is {reported}.",
        meta={"connection_id": str(connection.pk), "waha_status": reported},
    )
    if reported in DOWN_STATES:
        emit(
            "WAHA_SESSION_DOWN",
            tenant=event.tenant,
            source="integrations.waha",
            inbound_event=event,
            message=f"WAHA session {event.payload.get('session', '')} is {reported}.",
            meta={"connection_id": str(connection.pk)},
        )


@handles("waha", "message")
def inbound_message(event):
    message = event.payload.get("payload") or {}
    if message.get("fromMe"):
        return
    chat = str(message.get("from", ""))
    sender = contacts.canonical_or_raw(CHANNEL, chat)
    sent_at = conversations.from_unix(message.get("timestamp"))
    name = (message.get("_data") or {}).get("notifyName", "")
    conversation = conversations.upsert_conversation(
        event, channel=CHANNEL, external_id=chat, contact_id=sender, contact_name=name, at=sent_at
    )
    stored = conversations.record_message(
        event,
        conversation,
        provider_message_id=message.get("id") or event.external_id,
        text=message.get("body", ""),
        sent_at=sent_at,
    )
    signals.inbound_message.send(
        sender=CHANNEL,
        connection=event.connection,
        contact_id=sender,
        text=stored.text,
        received_at=sent_at,
        contact_name=name,
    )
    automation.start_runs(event, stored)


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
