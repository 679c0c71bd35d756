"""Manual mode end to end, tasks in-process (tests/fallback/test_worker_loop.py runs it with a real
worker): a guest's signed WhatsApp messages to the Meta webhook become one ticket with both, the
guest gets one notice (the local Graph server records the sends), the AI bot is refused without a
provider call, an agent answers in the ticket console and the guest receives it, an opted-out guest
is not sent to, and turning manual mode off hands the ticket back with a note."""

import pytest

from apps.ai.models import AIRequest, Outcome
from apps.fallback import services as fallback
from apps.fallback.models import Conversation, Reply
from apps.fallback.services import notice
from apps.integrations import automation
from apps.integrations import services as integration_services
from apps.integrations.models import AutomationRun
from apps.outbound.services import contact_policy
from apps.tickets.models import Ticket, TicketMessage
from tests.fakes import serving
from tests.fakes.graph import FakeGraph
from tests.fakes.openai_compat import OPENROUTER, FakeLLM
from tests.integrations import signing

pytestmark = pytest.mark.django_db
APP_SECRET = "meta-app-secret"
GUEST = "4915112345678"

graph = serving(FakeGraph)


@pytest.fixture
def meta(tenant, graph, settings):
    settings.OUTBOUND_HTTP_TIMEOUT_S = settings.OUTBOUND_HTTP_CONNECT_TIMEOUT_S = 0.5
    settings.META_APP_SECRET = APP_SECRET
    settings.OUTBOUND_CONTACT_INTERVAL_S = 0  # the notice and the agent's reply go out back to back
    values = {"phone_number_id": graph.phone_number_id, "graph_base_url": graph.base_url, "access_token": graph.token}
    return integration_services.create_connection(tenant, "meta", name="Alpha WhatsApp", values=values)


@pytest.fixture
def openrouter(settings):
    with FakeLLM(OPENROUTER, reply_text="An AI answer nobody should get.") as fake:
        settings.OPENROUTER_BASE_URL, settings.OPENROUTER_API_KEY = fake.base_url, fake.api_key
        settings.OPENAI_API_KEY = ""
        yield fake


@pytest.fixture
def manual(tenant, staff, meta, openrouter):
    automation.create_bot(tenant, name="Concierge", mode="ai", system_prompt="You are the concierge.")
    return fallback.turn_on(tenant, actor=staff, reason="Chatwoot is down (INC-7)")


def guest_writes(client, graph, text, wamid, capture):
    body = signing.body_of(
        signing.meta_delivery(graph.phone_number_id, messages=[signing.meta_text(wamid, sender=GUEST, text=text)])
    )
    with capture(execute=True):
        response = client.post(
            "/webhooks/meta/", data=body, content_type="application/json", **signing.meta_headers(APP_SECRET, body)
        )
    assert response.status_code == 200


def texts_sent(graph):
    return [payload["text"]["body"] for payload in graph.sent() if payload.get("type") == "text"]


def agent_replies(client, staff, ticket, body, capture):
    client.force_login(staff)
    with capture(execute=True):
        response = client.post(
            f"/admin/tickets/ticket/{ticket.pk}/act/reply/", {"body": body, "visibility": "public", "status": ""}
        )
    assert response.status_code == 302


def test_messages_become_one_ticket_the_guest_gets_one_notice_and_the_agents_reply(
    client, graph, openrouter, manual, staff, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    guest_writes(client, graph, "Is breakfast included?", "wamid.F1", capture)
    guest_writes(client, graph, "And is there parking?", "wamid.F2", capture)

    ticket = Ticket.objects.get()
    customer = ticket.messages.filter(author_kind=TicketMessage.AuthorKind.REQUESTER).order_by("created_at", "id")
    assert [m.body for m in customer] == ["Is breakfast included?", "And is there parking?"]
    assert texts_sent(graph) == [notice.STANDARD]

    runs = AutomationRun.objects.order_by("pk")
    assert [run.status for run in runs] == ["failed", "failed"]
    assert all("Manual mode is on" in run.error for run in runs)
    assert openrouter.completions == []
    assert {row.outcome for row in AIRequest.objects.all()} == {Outcome.REFUSED_POLICY}

    agent_replies(client, staff, ticket, "Yes, breakfast is included, and parking is free.", capture)

    assert texts_sent(graph)[-1] == "Yes, breakfast is included, and parking is free."
    assert graph.sent()[-1]["to"] == GUEST
    reply = Reply.objects.get()
    assert reply.outbound_message.status == "sent" and reply.refusal == ""
    page = client.get(f"/admin/tickets/ticket/{ticket.pk}/change/").content.decode()
    assert "manual-conversation" in page and "Sent" in page


def test_an_opted_out_guest_is_not_sent_the_reply_and_the_ticket_says_why(
    client, graph, manual, tenant, staff, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    guest_writes(client, graph, "Hello?", "wamid.P1", capture)
    sent_before = len(graph.sent())
    policy = contact_policy(tenant, "whatsapp_cloud", GUEST)
    policy.opted_out = True
    policy.save()

    agent_replies(client, staff, Ticket.objects.get(), "Hello, how can we help?", capture)

    assert len(graph.sent()) == sent_before
    reply = Reply.objects.get()
    assert reply.outbound_message.status == "blocked_opt_out" and reply.refusal
    notes = Ticket.objects.get().messages.filter(visibility="internal").values_list("body", flat=True)
    assert any(note.startswith("This reply was not sent to the customer") for note in notes)


def test_turning_it_off_hands_the_ticket_back_with_a_note_once(
    client, graph, manual, tenant, staff, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    guest_writes(client, graph, "Is anyone there?", "wamid.H1", capture)

    assert fallback.turn_off(tenant, actor=staff, reason="Chatwoot is back") == 1
    assert fallback.turn_off(tenant, actor=staff, reason="again") == 0
    assert fallback.hand_back() == 0

    ticket = Ticket.objects.get()
    notes = list(ticket.messages.filter(visibility="internal").values_list("body", flat=True))
    assert len(notes) == 1
    assert "handed back to automation" in notes[0] and "NOT answered yet" in notes[0] and "UTC" in notes[0]
    conversation = Conversation.objects.get()
    assert conversation.state == Conversation.State.HANDED_BACK and conversation.outcome == notes[0]

    guest_writes(client, graph, "Hello again", "wamid.H2", capture)
    assert Ticket.objects.count() == 1 and ticket.messages.count() == 2


def test_an_answered_conversation_is_handed_back_as_answered(
    client, graph, manual, tenant, staff, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    guest_writes(client, graph, "Late checkout?", "wamid.A1", capture)
    agent_replies(client, staff, Ticket.objects.get(), "Until 1 pm, yes.", capture)

    fallback.turn_off(tenant, actor=staff, reason="Chatwoot is back")

    note = Ticket.objects.get().messages.filter(visibility="internal").get().body
    assert "answered." in note and "NOT answered" not in note
