"""The one notice a customer gets when their conversation is answered by hand: the tenant's own text
(or the standard one) naming the tenant's fallback e-mail address, sent through the outbound
pipeline with its preflight (an opted-out contact is not sent to)."""

from apps.core.errors import ServiceError
from apps.fallback.models import Conversation
from apps.outbound import services as outbound
from apps.outbound.models import REFUSED, Source
from apps.tickets import services as tickets

STANDARD = "We are answering by hand today; replies may take longer."
SENDER_LABEL = "fallback manual mode notice"


def text_for(tenant) -> str:
    text = (tenant.manual_mode_notice or "").strip() or STANDARD
    email = tenant.fallback_email
    if email and email.lower() not in text.lower():
        text = f"{text} You can also write to us at {email}."
    return text


def send(conversation: Conversation) -> None:
    """Queues the notice (dispatch sends it after commit) and links it to the conversation; a
    refusal or an invalid address is written on the ticket instead."""
    try:
        message = outbound.create_message(
            conversation.tenant,
            channel=conversation.channel,
            to=conversation.contact_id,
            body=text_for(conversation.tenant),
            connection=conversation.connection,
            approve=True,
            source=Source.SYSTEM,
            contact_name=conversation.contact_name,
            created_by_label=SENDER_LABEL,
        )
    except ServiceError as exc:
        tickets.add_system_note(conversation.ticket, f"The manual-mode notice was not sent: {exc.message}")
        return
    Conversation.objects.filter(pk=conversation.pk).update(notice=message)
    if message.status in REFUSED:
        tickets.add_system_note(
            conversation.ticket, f"The manual-mode notice was not sent: {message.preflight_reason or message.status}."
        )
