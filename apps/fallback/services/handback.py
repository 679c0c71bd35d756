"""Turning manual mode off hands the open conversations back to automation: each ticket gets a
note with the outcome (when the customer last wrote, answered or not) and no new tickets are made.
Each conversation is claimed (SKIP LOCKED) and closed in its own short transaction, so a second run,
or two at once, adds no second note."""

from datetime import UTC

from django.db import transaction
from django.utils import timezone

from apps.core.zones import when
from apps.fallback import state
from apps.fallback.models import Conversation
from apps.tickets import services as tickets
from apps.tickets.models import TicketMessage


def hand_back(tenant=None) -> int:
    """Hands back the open conversations (of `tenant`, or of every tenant) whose tenant is no longer
    in manual mode; returns how many."""
    ids = list(state.open_conversations(tenant).values_list("pk", flat=True))
    return sum(_hand_back_one(pk) for pk in ids)


def _hand_back_one(pk) -> int:
    with transaction.atomic():
        conversation = (
            Conversation.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("tenant", "ticket")
            .filter(pk=pk, state=Conversation.State.OPEN)
            .first()
        )
        if conversation is None or state.is_on(conversation.tenant):
            return 0
        outcome = outcome_of(conversation)
        tickets.add_system_note(conversation.ticket, outcome)
        Conversation.objects.filter(pk=pk).update(
            state=Conversation.State.HANDED_BACK, handed_back_at=timezone.now(), outcome=outcome[:500]
        )
    return 1


def outcome_of(conversation) -> str:
    last = conversation.last_customer_message_at
    answered = TicketMessage.objects.filter(
        ticket_id=conversation.ticket_id,
        visibility=TicketMessage.Visibility.PUBLIC,
        author_kind=TicketMessage.AuthorKind.AGENT,
        created_at__gte=last,
    ).exists()
    return (
        "Manual mode is off: this conversation is handed back to automation (Chatwoot and the bots answer "
        f"the customer again). Last customer message at {when(last, zone=UTC)}, "
        f"{'answered' if answered else 'NOT answered yet — reply here or in Chatwoot'}."
    )
