"""The provider client posts through its session's connection pool directly
(apps/ai/providers/transport.py), and through `session.post` when a proxy is set for the provider's
host: what goes on the wire and how failures are classified stay the same either way."""

import socket

import pytest

from apps.ai.providers import ProviderError, get_provider, reset

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
