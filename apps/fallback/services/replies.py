"""An agent's public reply on a manual-mode ticket goes to the customer's WhatsApp or Telegram
through the outbound pipeline, preflight included (opt-out, caps, switches, plan limit). A refused
or invalid send is written on the ticket as a note; the ticket console shows every reply's status."""

from django.utils import timezone

from apps.core.errors import ServiceError
from apps.fallback.models import Conversation, Reply
from apps.outbound import services as outbound
from apps.outbound.models import REFUSED, Source
from apps.tickets import services as tickets


def on_public_reply(ticket, message) -> Reply | None:
    """None when the ticket is not a manual-mode conversation (an ordinary ticket)."""
    conversation = Conversation.objects.filter(ticket=ticket).select_related("tenant", "connection").first()
    if conversation is None:
        return None
    return send(conversation, message)


def send(conversation, message) -> Reply:
    try:
        outbound_message = outbound.create_message(
            conversation.tenant,
            channel=conversation.channel,
            to=conversation.contact_id,
            body=message.body,
            connection=conversation.connection,
            approve=True,
            source=Source.ADMIN,
            contact_name=conversation.contact_name,
            created_by=message.author,
            created_by_label=f"ticket #{conversation.ticket_id} reply",
        )
    except ServiceError as exc:
        return _refused(conversation, message, None, exc.message)
    if outbound_message.status in REFUSED:
        reason = outbound_message.preflight_reason or outbound_message.get_status_display()
        return _refused(conversation, message, outbound_message, reason)
    return _record(conversation, message, outbound_message, "")


def _refused(conversation, message, outbound_message, reason) -> Reply:
    tickets.add_system_note(conversation.ticket, f"This reply was not sent to the customer: {reason}")
    return _record(conversation, message, outbound_message, reason)


def _record(conversation, message, outbound_message, refusal) -> Reply:
    return Reply.objects.create(
        tenant_id=conversation.tenant_id,
        conversation=conversation,
        ticket_message=message,
        outbound_message=outbound_message,
        refusal=refusal[:500],
        created_at=timezone.now(),
    )


def deliveries(ticket) -> list[Reply]:
    """The ticket's replies to the customer with their outbound messages, oldest first (the console)."""
    return list(Reply.objects.filter(conversation__ticket=ticket).select_related("outbound_message", "ticket_message"))
