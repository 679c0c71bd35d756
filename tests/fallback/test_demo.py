"""`make run`'s demo shows a tenant that was in manual mode: one WhatsApp ticket with the guest's two
messages and the agent's reply, handed back with a note; a second seeding adds nothing."""

import pytest
from django.core.management import call_command

from apps.fallback.models import Conversation
from apps.tickets.models import TicketMessage

pytestmark = pytest.mark.django_db


def test_the_demo_has_one_handed_back_whatsapp_conversation(capsys):
    call_command("seed_demo")
    call_command("seed_demo")

    conversation = Conversation.objects.select_related("tenant", "ticket").get()
    assert conversation.tenant.slug == "acme-hotels" and conversation.state == Conversation.State.HANDED_BACK
    assert conversation.tenant.manual_mode_since is None
    kinds = list(conversation.ticket.messages.order_by("created_at", "id").values_list("author_kind", flat=True))
    assert kinds.count(TicketMessage.AuthorKind.REQUESTER) == 2 and TicketMessage.AuthorKind.AGENT in kinds
    assert "answered." in conversation.outcome and conversation.notice is not None
