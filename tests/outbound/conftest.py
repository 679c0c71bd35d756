"""Outbound test plumbing: the providers as real local servers (tests/fakes/graph.py, waha.py,
telegram.py), a connection of the tenant to each, and short client timeouts and backoff."""

import pytest
from django.utils import timezone

from apps.integrations import services as integration_services
from apps.outbound import services
from tests.fakes import serving
from tests.fakes.graph import FakeGraph
from tests.fakes.telegram import FakeTelegram
from tests.fakes.waha import FakeWaha

PHONE = "4915112345678"


@pytest.fixture(autouse=True)
def _quick_clients(settings):
    settings.OUTBOUND_HTTP_TIMEOUT_S = 0.5
    settings.OUTBOUND_HTTP_CONNECT_TIMEOUT_S = 0.5
    settings.OUTBOUND_BACKOFF_BASE_S = 2.0
    settings.OUTBOUND_MAX_ATTEMPTS = 3


graph = serving(FakeGraph)
waha_server = serving(FakeWaha)
telegram_server = serving(FakeTelegram)


@pytest.fixture
def meta(tenant, graph):
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
def waha(tenant, waha_server):
    return integration_services.create_connection(
        tenant,
        "waha",
        name="Alpha WAHA",
        values={"base_url": waha_server.url, "session": "default", "api_key": waha_server.api_key},
    )


@pytest.fixture
def telegram(tenant, telegram_server):
    return integration_services.create_connection(
        tenant,
        "telegram",
        name="Alpha bot",
        values={"api_base_url": telegram_server.url, "bot_token": telegram_server.token},
    )


def contact_wrote(connection, contact=PHONE, text="Hello", at=None):
    """The contact wrote to us (opens WhatsApp's 24-hour window), as the inbound pipeline reports it."""
    return services.record_inbound(connection, contact, text, received_at=at or timezone.now())


def queued(tenant, connection, to=PHONE, body="Your table is ready.", **kwargs):
    """An approved message that passed preflight and waits in `queued` (open window first)."""
    channel = {"meta": "whatsapp_cloud", "waha": "waha", "telegram": "telegram"}[connection.provider]
    if channel == "whatsapp_cloud" and "template" not in kwargs:
        contact_wrote(connection, to)
    return services.create_message(
        tenant,
        channel=channel,
        to=to,
        body=None if "template" in kwargs else body,
        connection=connection,
        approve=True,
        **kwargs,
    )
