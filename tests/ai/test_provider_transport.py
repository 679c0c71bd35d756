"""The provider client posts through its session's connection pool directly
(apps/ai/providers/transport.py), and through `session.post` when a proxy is set for the provider's
host: what goes on the wire and how failures are classified stay the same either way. AI_TIMEOUT_S
bounds the whole attempt (connect, headers and body), not each socket read: a provider that stalls
after its headers or trickles its body is a timeout when the budget is spent."""

import gzip
import json
import socket
import time

import pytest

from apps.ai.models import AIRequest
from apps.ai.providers import ProviderError, get_provider, reset
from apps.ai.services import complete
from tests.fakes.server import Reply

SLACK_S = 0.25  # scheduling on a busy 2-core machine
HELLO = [{"role": "user", "content": "Is breakfast included?"}]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def fresh_clients():
    """Clients read the proxy settings when they are built: build them again around the test."""
    reset()
    yield
    reset()


def test_a_direct_call_sends_json_with_the_key_and_keeps_its_connection(openai, fresh_clients):
    provider = get_provider("openai")
    provider.chat(HELLO)
    provider.chat(HELLO)

    first, second = openai.requests[:2]
    assert first.headers["Authorization"] == "Bearer sk-proj-test"
    assert first.headers["Content-Type"] == "application/json"
    assert openai.completions[0]["messages"] == HELLO
    assert provider.transport.pool.num_connections == 1  # the second call reused the first's connection


def test_with_a_proxy_set_for_the_host_the_call_goes_through_the_proxy(openai, fresh_clients, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{closed_port()}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)

    with pytest.raises(ProviderError) as caught:
        get_provider("openai").chat(HELLO)

    assert caught.value.kind == "connection" and "proxy" in str(caught.value).lower()
    assert openai.completions == []


def test_a_host_in_no_proxy_is_called_directly(openai, fresh_clients, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{closed_port()}")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")

    assert get_provider("openai").chat(HELLO).text == "OpenAI says hi."


def test_a_refused_connection_is_a_connection_error_not_a_timeout(ai_settings, fresh_clients):
    ai_settings.OPENAI_API_KEY, ai_settings.OPENAI_BASE_URL = "sk-proj-test", f"http://127.0.0.1:{closed_port()}/v1"

    with pytest.raises(ProviderError) as caught:
        get_provider("openai").chat(HELLO)

    assert caught.value.kind == "connection" and caught.value.falls_back


def timed_failure(name):
    started = time.monotonic()
    with pytest.raises(ProviderError) as caught:
        get_provider(name).chat(HELLO)
    return caught.value, time.monotonic() - started


def test_a_trickling_body_is_a_timeout_within_the_budget(openai, ai_settings, fresh_clients):
    openai.always(openai.trickle(size=20, every=0.1))  # each read quick, the whole body ~2 s

    error, elapsed = timed_failure("openai")

    assert (error.kind, error.falls_back) == ("timeout", True)
    assert ai_settings.AI_TIMEOUT_S <= elapsed < ai_settings.AI_TIMEOUT_S + SLACK_S


def test_headers_then_a_stalled_body_is_a_timeout_within_the_budget(openai, ai_settings, fresh_clients):
    openai.always(openai.stall(ai_settings.AI_TIMEOUT_S + 1))

    error, elapsed = timed_failure("openai")

    assert error.kind == "timeout"
    assert elapsed < ai_settings.AI_TIMEOUT_S + SLACK_S


def test_a_body_that_trickles_in_within_the_budget_is_an_answer(openai, ai_settings, fresh_clients):
    ai_settings.AI_TIMEOUT_S = 2
    openai.script(openai.trickle(size=100, every=0.05))

    assert get_provider("openai").chat(HELLO).text == "trickled"


def test_a_compressed_answer_is_decoded(openai, fresh_clients):
    body = gzip.compress(json.dumps(openai.success_body("Zipped.")).encode())
    openai.script(Reply(200, body, {"Content-Encoding": "gzip"}, trickle=(len(body) // 2, 0.01)))

    assert get_provider("openai").chat(HELLO).text == "Zipped."


def test_after_a_timed_out_body_the_next_call_gets_a_clean_connection(openai, fresh_clients):
    openai.script(openai.trickle(size=20, every=0.1))
    provider = get_provider("openai")
    with pytest.raises(ProviderError):
        provider.chat(HELLO)

    assert provider.chat(HELLO).text == "OpenAI says hi."


def test_through_a_proxy_a_trickling_body_is_a_timeout(openai, ai_settings, fresh_clients, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", openai.url)  # the fake answers a proxy's absolute-form request itself
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert get_provider("openai").chat(HELLO).text == "OpenAI says hi."
    openai.always(openai.trickle(size=20, every=0.1))

    error, elapsed = timed_failure("openai")

    assert get_provider("openai").transport.pool is None
    assert error.kind == "timeout" and elapsed < ai_settings.AI_TIMEOUT_S + SLACK_S


@pytest.mark.django_db
def test_a_trickling_provider_falls_back_to_the_next_within_the_budget(tenant, openrouter, openai, ai_settings):
    openrouter.always(openrouter.trickle(size=20, every=0.1))
    started = time.monotonic()

    result = complete(tenant, "api", HELLO)

    assert time.monotonic() - started < ai_settings.AI_TIMEOUT_S + 2 * SLACK_S
    assert (result.ok, result.provider, result.text) == (True, "openai", "OpenAI says hi.")
    first, second = AIRequest.objects.get().chain[:2]
    assert (first["provider"], first["kind"], second["outcome"]) == ("openrouter", "timeout", "answered")
