"""Local HTTP servers that play the providers (Graph API, WAHA, Chatwoot, Telegram, n8n, PMS,
Slack, AI providers) in tests: real sockets, real status codes and error bodies."""

import pytest


def serving(fake_class, **kwargs):
    """A pytest fixture running `fake_class(**kwargs)` for one test: `graph = serving(FakeGraph)`
    in a conftest gives tests a `graph` fixture."""

    @pytest.fixture
    def server():
        with fake_class(**kwargs) as running:
            yield running

    return server
