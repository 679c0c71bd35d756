"""What the inbound pipeline tells the rest of Opsdesk, without importing it.

The outbound app connects receivers: inbound messages update contact policies (STOP words, the
24-hour window, stop-on-reply), delivery statuses move outbound messages, and automation replies
are sent through the outbound pipeline with its preflight. The AI app answers the runs of AI-mode
bots (`ai_reply_requested`)."""

from dataclasses import dataclass
from datetime import datetime

from django.dispatch import Signal


@dataclass(frozen=True)
class InboundMessage:
    """One contact's message, as `inbound_message` passes it."""

    connection: object
    contact_id: str
    text: str
    received_at: datetime
    contact_name: str = ""
    provider_message_id: str = ""


# connection, contact_id, text, received_at, contact_name, provider_message_id (the provider's id of
# the message: a receiver that keeps messages uses it to take a redelivered one once)
inbound_message = Signal()


def tell_inbound(channel, connection, stored) -> None:
    """`inbound_message` for one message a handler has just stored (its `ConversationMessage`)."""
    inbound_message.send(
        sender=channel,
        connection=connection,
        contact_id=stored.contact_id,
        text=stored.text,
        received_at=stored.sent_at,
        contact_name=stored.contact_name,
        provider_message_id=stored.provider_message_id,
    )


# messages: a list of InboundMessage, in the order they were received. Batch handlers send it once
# per batch, then `inbound_message` per message with `batched=True`, so a receiver connected to
# both ignores the batched single calls and a receiver connected only to the single one still hears
# every message.
inbound_messages = Signal()
# connection, provider_message_id, status ("sent", "delivered", "read", "failed"), error_code,
# error_title, occurred_at; a receiver returns True when it found the message
delivery_status = Signal()
# run, tenant, channel, to, body, connection; a receiver returns the outbound messages it created (a
# long reply goes out in parts) or raises the ServiceError that refused it
automation_reply = Signal()
# connection, payload: a Chatwoot `message_created` delivery was processed (knowledge stores the
# message for the projects that read this connection); a receiver returns how many stored it
chatwoot_message = Signal()
# connection, payloads: a batch of `message_created` payloads of one connection, in order; sent
# before `chatwoot_message` is sent for each of them with `batched=True` (see `inbound_messages`)
chatwoot_messages = Signal()
# run (an AI-mode bot's AutomationRun, running); the AI app's receiver answers it through the gateway
# and returns an `AIReply`-like object: `text` to send ("" for none) and `error` ("" when it went well)
ai_reply_requested = Signal()


def answered(responses) -> bool:
    return any(result for _receiver, result in responses)


# connection, status ("FAILED", "SCAN_QR_CODE"), since, now: a WhatsApp session needs people (it
# failed, or has shown a QR code too long); incidents open or join the tenant's WhatsApp incident
whatsapp_session_trouble = Signal()
