"""Acceptance: a portal user never sees internal notes or another tenant's tickets."""

import pytest

from apps.tickets import services
from apps.tickets.models import Status, Ticket, TicketMessage
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db
LIST = "/dashboard/tickets/"


def detail(ticket):
    return f"/dashboard/tickets/{ticket.pk}/"


@pytest.fixture
def conversation(tenant, people, staff):
    ticket = make_ticket(tenant, subject="WhatsApp sends fail", body="Customer text here", requester=people.owner)
    services.add_note(ticket, "INTERNAL: token of this tenant looks revoked", actor=staff)
    services.reply(ticket, "We refreshed your token, please try again.", actor=staff)
    return ticket


def test_member_sees_public_conversation_but_never_internal_notes(client, people, conversation):
    client.force_login(people.member)
    page = client.get(detail(conversation)).content.decode()
    assert "Customer text here" in page
    assert "We refreshed your token" in page
    assert "INTERNAL" not in page and "looks revoked" not in page


def test_list_shows_only_own_tenants_tickets(client, people, tenant, other_tenant, conversation):
    theirs = make_ticket(other_tenant, subject="Beta private trouble")
    client.force_login(people.owner)
    page = client.get(LIST).content.decode()
    assert "WhatsApp sends fail" in page
    assert "Beta private trouble" not in page
    assert client.get(detail(theirs)).status_code == 404


def test_other_tenants_member_gets_404_for_every_ticket_url(client, people, conversation):
    client.force_login(people.stranger)
    assert client.get(detail(conversation)).status_code == 404
    assert client.post(detail(conversation) + "reply/", {"body": "sneaky"}).status_code == 404
    assert client.post(detail(conversation) + "solve/").status_code == 404
    assert "WhatsApp sends fail" not in client.get(LIST).content.decode()
    assert not TicketMessage.objects.filter(body="sneaky").exists()


def test_member_opens_a_ticket(client, people, tenant):
    client.force_login(people.member)
    response = client.post(LIST + "new/", {"subject": "Bot is silent", "priority": "high", "body": "No answers"})
    ticket = Ticket.objects.get(subject="Bot is silent")
    assert response.status_code == 302 and response["Location"] == detail(ticket)
    assert (ticket.tenant, ticket.requester_user, ticket.priority, ticket.channel) == (
        tenant,
        people.member,
        "high",
        "portal",
    )
    assert ticket.messages.get().author_kind == "member"


def test_new_ticket_form_names_the_missing_field_and_writes_nothing(client, people):
    client.force_login(people.member)
    response = client.post(LIST + "new/", {"subject": "", "priority": "urgent", "body": "x"})
    assert response.status_code == 400
    assert "Subject: This field is required." in response.content.decode()
    assert not Ticket.objects.exists()


def test_customer_reply_reopens_a_pending_ticket(client, people, conversation):
    assert Ticket.objects.get(pk=conversation.pk).status == Status.PENDING
    client.force_login(people.member)
    response = client.post(detail(conversation) + "reply/", {"body": "Still failing"})
    assert response.status_code == 302
    conversation.refresh_from_db()
    assert conversation.status == Status.OPEN
    assert "Still failing" in client.get(detail(conversation)).content.decode()


def test_empty_reply_is_refused_with_a_message(client, people, conversation):
    client.force_login(people.member)
    response = client.post(detail(conversation) + "reply/", {"body": ""})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()


def test_member_marks_solved_and_a_reply_reopens(client, people, conversation):
    client.force_login(people.member)
    client.post(detail(conversation) + "solve/")
    conversation.refresh_from_db()
    assert conversation.status == Status.SOLVED and conversation.solved_at
    client.post(detail(conversation) + "reply/", {"body": "It broke again"})
    conversation.refresh_from_db()
    assert conversation.status == Status.OPEN and conversation.solved_at is None


def test_closed_ticket_offers_no_reply(client, people, conversation, staff):
    services.change_status(conversation, Status.CLOSED, actor=staff)
    client.force_login(people.member)
    page = client.get(detail(conversation)).content.decode()
    assert "This ticket is closed" in page and "Send reply" not in page
    client.post(detail(conversation) + "reply/", {"body": "late"})
    assert not TicketMessage.objects.filter(body="late").exists()


def test_portal_nav_links_tickets_and_inputs_are_labelled(client, people):
    client.force_login(people.member)
    page = client.get(LIST + "new/").content.decode()
    assert 'href="/dashboard/tickets/"' in page
    for field in ("id_subject", "id_priority", "id_body"):
        assert f'for="{field}"' in page
