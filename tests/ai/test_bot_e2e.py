"""The AI bot loop over HTTP with a real Celery worker on a Redis of the test's own: a guest's signed
WhatsApp (Meta) message → the inbound pipeline → the AI bot's run → the gateway against local
OpenRouter and OpenAI servers → the reply through the outbound pipeline to the local Graph server.

Provider 1 down → provider 2 answers; both down → the tenant's fallback text goes out and
AI_FAILURE_FALLBACK_SENT is emitted once; an opted-out contact is never answered."""

import pytest
from django.test import Client

from apps.ai.models import AIRequest, Outcome
from apps.events.models import SystemEvent
from apps.integrations import automation
from apps.integrations import services as integration_services
from apps.integrations.models import AutomationRun
from apps.outbound.models import OutboundMessage
from tests.fakes.graph import FakeGraph
from tests.fakes.openai_compat import OPENAI, OPENROUTER, FakeLLM
from tests.integrations import signing
from tests.integrations.services import OwnRedis, Worker, publishing_to, wait_until

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
APP_SECRET = "meta-app-secret"
GUEST = "4915112345678"
FALLBACK = "We are having trouble answering right now; a person will reply soon."


@pytest.fixture
def providers():
    with (
        FakeLLM(OPENROUTER, reply_text="OpenRouter says hi.") as openrouter,
        FakeLLM(OPENAI, reply_text="Breakfast is from 7 to 10.") as openai,
    ):
        yield openrouter, openai


@pytest.fixture
def graph():
    with FakeGraph() as server:
        yield server


@pytest.fixture
def whatsapp(tenant, graph, settings):
    settings.META_APP_SECRET = APP_SECRET
    automation.create_bot(tenant, name="Concierge", mode="ai", system_prompt="You are the hotel's concierge.")
    return integration_services.create_connection(
        tenant,
        "meta",
        name="Alpha WhatsApp",
        values={
            "phone_number_id": graph.phone_number_id,
            "graph_base_url": graph.base_url,
            "access_token": graph.token,
        },
    )


@pytest.fixture
def worker(providers):
    """A real worker whose gateway reaches the two local providers (1 s timeouts)."""
    openrouter, openai = providers
    redis = OwnRedis().start()
    running = Worker(
        redis.url,
        OPENROUTER_BASE_URL=openrouter.base_url,
        OPENROUTER_API_KEY=openrouter.api_key,
        OPENAI_BASE_URL=openai.base_url,
        OPENAI_API_KEY=openai.api_key,
        AI_TIMEOUT_S=1,
        AI_CONNECT_TIMEOUT_S=1,
        OUTBOUND_HTTP_TIMEOUT_S=2,
    ).start()
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


def sent_texts(graph):
    return [payload["text"]["body"] for payload in graph.sent() if payload.get("type") == "text"]


def finished_run(wamid):
    wait_until(
        lambda: AutomationRun.objects.filter(
            message__provider_message_id=wamid, status__in=AutomationRun.FINAL
        ).exists(),
        timeout=60,
        what=f"the AI bot's run for {wamid} to finish",
    )
    return AutomationRun.objects.get(message__provider_message_id=wamid)


def test_provider_one_down_provider_two_answers_the_guest(whatsapp, graph, providers, worker):
    openrouter, openai = providers
    openrouter.always(openrouter.server_error(503))

    guest_writes(worker, graph, "Is breakfast included?", "wamid.E2E1")

    run = finished_run("wamid.E2E1")
    assert (run.status, run.reply) == ("succeeded", "Breakfast is from 7 to 10.")
    wait_until(lambda: "Breakfast is from 7 to 10." in sent_texts(graph), what="the reply to reach Graph")
    assert graph.sent()[-1]["to"] == GUEST
    assert len(openrouter.completions) >= 1 and openai.completions[0]["messages"][-1] == {
        "role": "user",
        "content": "Is breakfast included?",
    }
    request = AIRequest.objects.get()
    assert (request.provider, request.outcome, request.feature) == ("openai", Outcome.ANSWERED, "bot_reply")
    assert [attempt["provider"] for attempt in request.chain][:2] == ["openrouter", "openai"]


def test_both_providers_down_send_the_fallback_text_and_one_event(whatsapp, graph, providers, worker):
    openrouter, openai = providers
    openrouter.always(openrouter.server_error(502))
    openai.always(openai.hang(3))

    guest_writes(worker, graph, "Is breakfast included?", "wamid.E2E2")

    run = finished_run("wamid.E2E2")
    assert (run.status, run.reply) == ("succeeded", FALLBACK)
    wait_until(lambda: FALLBACK in sent_texts(graph), what="the fallback text to reach Graph")
    events = SystemEvent.objects.filter(code="AI_FAILURE_FALLBACK_SENT")
    assert events.count() == 1
    assert [error["provider"] for error in events.get().meta["errors"]] == ["openrouter", "openai"]
    assert AIRequest.objects.get().outcome == Outcome.FALLBACK


def test_an_opted_out_guest_is_never_answered(whatsapp, graph, providers, worker):
    openrouter, openai = providers
    guest_writes(worker, graph, "STOP", "wamid.E2ESTOP")
    finished_run("wamid.E2ESTOP")
    guest_writes(worker, graph, "Is breakfast included?", "wamid.E2E3")

    run = finished_run("wamid.E2E3")
    assert run.status == "failed" and "opted out" in run.error
    assert openrouter.completions == [] and openai.completions == []
    assert not OutboundMessage.objects.filter(automation_run__isnull=False).exists()
    assert not any(text in sent_texts(graph) for text in ("OpenRouter says hi.", "Breakfast is from 7 to 10."))
