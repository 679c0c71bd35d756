"""Health fixtures: providers played by local HTTP servers, a short HTTP timeout, and an on-call
roster (email + Slack) so incidents opened by monitors really notify."""

import pytest

from tests.fakes import serving
from tests.fakes.chatwoot import FakeChatwoot
from tests.fakes.graph import FakeGraph
from tests.fakes.n8n_health import FakeN8nInstance
from tests.fakes.pms_health import FakePms
from tests.fakes.waha_health import FakeWaha
from tests.health.factories import connection_to


@pytest.fixture(autouse=True)
def _health_settings(settings):
    settings.HEALTH_HTTP_TIMEOUT = 0.5
    settings.HEALTH_FAILURE_THRESHOLD = 2
    settings.HEALTH_PLATFORM_TENANTS = ["opsdesk-support"]
    settings.OPENROUTER_API_KEY = settings.OPENAI_API_KEY = ""  # the AI monitor passes on the mock
    settings.SLACK_WEBHOOK_URL = ""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


chatwoot = serving(FakeChatwoot)
waha = serving(FakeWaha)
graph = serving(FakeGraph, token="EAAG-valid-token")
n8n = serving(FakeN8nInstance)
pms = serving(FakePms)


@pytest.fixture
def chatwoot_connection(tenant, chatwoot):
    return connection_to(chatwoot, tenant, "chatwoot", secrets={"api_token": "cw-token"}, account_id="1")


@pytest.fixture
def unused_port():
    """A local port nothing listens on: a dependency that is gone."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
