"""Manual mode over HTTP with a real Celery worker on a Redis of the test's own: a guest's signed
WhatsApp (Meta) messages → the inbound pipeline in the worker → one ticket with both messages and
one notice on the local Graph server → an agent's reply in the ticket console → the worker sends
it to Graph → manual mode off hands the ticket back with a note."""

import pytest
from django.test import Client

from apps.fallback import services as fallback
from apps.fallback.services import notice
from apps.integrations import services as integration_services
from apps.tickets.models import Ticket, TicketMessage
from tests.fakes.graph import FakeGraph
from tests.integrations import signing
from tests.integrations.services import OwnRedis, Worker, publishing_to, wait_until

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
APP_SECRET = "meta-app-secret"
GUEST = "4915112345678"


@pytest.fixture
def graph():
    with FakeGraph() as server:
        yield server


@pytest.fixture
def whatsapp(tenant, graph, settings):
    settings.META_APP_SECRET = APP_SECRET
    values = {"phone_number_id": graph.phone_number_id, "graph_base_url": graph.base_url, "access_token": graph.token}
    return integration_services.create_connection(tenant, "meta", name="Alpha WhatsApp", values=values)


@pytest.fixture
def worker():
    redis = OwnRedis().start()
    running = Worker(redis.url, OUTBOUND_HTTP_TIMEOUT_S=2, OUTBOUND_CONTACT_INTERVAL_S=0).start()
    yield redis
    running.stop()
    redis.stop()


def guest_writes(worker, graph, text, wamid):
    body = signing.body_of(
        signing.meta_delivery(graph.phone_number_id, messages=[signing.meta_text(wamid, sender=GUEST, text=text)])
    )
    with publishing_to(worker.url):
        response = Client().post(
            "/webhooks/meta/", data=body, content_type="application/json", **signing.meta_headers(APP_SECRET, body)
        )
    assert response.status_code == 200


def texts_sent(graph):
    return [payload["text"]["body"] for payload in graph.sent() if payload.get("type") == "text"]


def customer_messages():
    return list(
        TicketMessage.objects.filter(author_kind=TicketMessage.AuthorKind.REQUESTER)
        .order_by("created_at", "id")
        .values_list("body", flat=True)
    )


def test_a_guest_is_answered_by_hand_through_a_real_worker(tenant, staff, whatsapp, graph, worker):
    fallback.turn_on(tenant, actor=staff, reason="Chatwoot is down (INC-9)")

    guest_writes(worker, graph, "Is breakfast included?", "wamid.W1")
    wait_until(lambda: customer_messages() == ["Is breakfast included?"], timeout=60, what="the ticket")
    guest_writes(worker, graph, "And parking?", "wamid.W2")
    wait_until(lambda: len(customer_messages()) == 2, timeout=60, what="the second message on the ticket")

    ticket = Ticket.objects.get()
    assert customer_messages() == ["Is breakfast included?", "And parking?"]
    wait_until(lambda: notice.STANDARD in texts_sent(graph), timeout=60, what="the notice to reach Graph")

    agent = Client()
    agent.force_login(staff)
    with publishing_to(worker.url):
        response = agent.post(
            f"/admin/tickets/ticket/{ticket.pk}/act/reply/",
            {"body": "Breakfast is included; parking is free.", "visibility": "public", "status": ""},
        )
    assert response.status_code == 302
    wait_until(
        lambda: "Breakfast is included; parking is free." in texts_sent(graph), timeout=60, what="the agent's reply"
    )
    assert texts_sent(graph).count(notice.STANDARD) == 1
    assert graph.sent()[-1]["to"] == GUEST

    assert fallback.turn_off(tenant, actor=staff, reason="Chatwoot is back") == 1
    note = ticket.messages.get(visibility="internal").body
    assert "handed back to automation" in note and "answered." in note
