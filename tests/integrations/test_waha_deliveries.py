"""WAHA deliveries without an event id (WAHA's documented `session.status` example, older WAHA
versions) are stored under the X-Webhook-Request-Id header, else a SHA-256 of the raw body, so a
session going down is not lost; a WAHA connection without an HMAC key says it accepts forged
deliveries in the admin, in `add_connection`'s output and on its health monitor."""

import hashlib
import io

import pytest
from django.core.management import call_command

from apps.health import checks
from apps.health import services as health_services
from apps.health.models import HealthMonitor
from apps.integrations.models import Connection, InboundEvent
from tests.fakes.waha_health import FakeWaha
from tests.integrations import signing
from tests.integrations.factories import ConnectionFactory

pytestmark = pytest.mark.django_db
WAHA_KEY = "waha-hmac-key"
# WAHA's documented session.status payload: no "id".
SESSION_FAILED = {
    "event": "session.status",
    "session": "default",
    "me": {"id": "7911111@c.us", "pushName": "~"},
    "payload": {
        "status": "FAILED",
        "statuses": [
            {"status": "STARTING", "timestamp": 1700000001000},
            {"status": "WORKING", "timestamp": 1700000002000},
            {"status": "FAILED", "timestamp": 1700000003000},
        ],
        "data": None,
    },
    "engine": "WEBJS",
    "environment": {"version": "2023.10.12", "engine": "WEBJS", "tier": "CORE"},
}


@pytest.fixture
def signed_waha(tenant):
    return ConnectionFactory(tenant=tenant, provider="waha", secrets={"signing_secret": WAHA_KEY})


def deliver(client, connection, body, **headers):
    return client.post(
        f"/webhooks/waha/{connection.pk}/",
        data=body,
        content_type="application/json",
        **signing.waha_headers(WAHA_KEY, body),
        **headers,
    )


def test_session_status_without_an_id_is_stored_under_the_request_id_and_moves_the_connection(
    client, signed_waha, django_capture_on_commit_callbacks
):
    body = signing.body_of(SESSION_FAILED)
    with django_capture_on_commit_callbacks(execute=True):
        response = deliver(client, signed_waha, body, HTTP_X_WEBHOOK_REQUEST_ID="req_01jx7k2m")
    assert response.status_code == 200, response.content
    event = InboundEvent.objects.get()
    assert (event.external_id, event.event_type, event.status) == ("req_01jx7k2m", "session.status", "processed")
    signed_waha.refresh_from_db()
    assert signed_waha.state == Connection.State.DISCONNECTED


def test_without_id_or_header_the_body_hash_is_the_id_and_a_redelivery_is_a_duplicate(client, signed_waha):
    body = signing.body_of(SESSION_FAILED)
    assert deliver(client, signed_waha, body).json() == {"stored": 1, "duplicates": 0}
    assert deliver(client, signed_waha, body).json() == {"stored": 0, "duplicates": 1}
    assert InboundEvent.objects.get().external_id == "sha256:" + hashlib.sha256(body).hexdigest()


def test_the_event_id_wins_over_the_header(client, signed_waha):
    body = signing.body_of({"id": "evt_01jx", **SESSION_FAILED})
    deliver(client, signed_waha, body, HTTP_X_WEBHOOK_REQUEST_ID="req_1")
    assert InboundEvent.objects.get().external_id == "evt_01jx"


def test_add_connection_warns_that_an_unsigned_waha_accepts_forged_deliveries(tenant):
    unsigned, signed = io.StringIO(), io.StringIO()
    call_command(
        "add_connection", "alpha", "waha", "--name", "Open", "--set", "base_url=http://waha.test", stdout=unsigned
    )
    call_command("add_connection", "alpha", "waha", "--name", "Signed", "--secret", WAHA_KEY, stdout=signed)
    assert "accepts forged deliveries" in unsigned.getvalue().lower()
    assert "forged" not in signed.getvalue()


def test_the_admin_list_change_page_and_add_message_say_it(admin_client, tenant):
    response = admin_client.post(
        "/admin/integrations/connection/add/",
        {
            "tenant": tenant.pk,
            "provider": "waha",
            "name": "WAHA open",
            "is_active": "on",
            "settings_json": '{"base_url": "http://waha.test", "session": "default"}',
            "api_key": "waha-key",
        },
        follow=True,
    )
    connection = Connection.objects.get(name="WAHA open")
    assert "Accepts forged deliveries" in response.content.decode()
    assert "Accepts forged deliveries" in admin_client.get("/admin/integrations/connection/").content.decode()
    page = admin_client.get(f"/admin/integrations/connection/{connection.pk}/change/").content.decode()
    assert "Accepts forged deliveries" in page and "WAHA HMAC key" in page


def test_the_health_monitor_says_it(admin_client, tenant, settings):
    settings.HEALTH_HTTP_TIMEOUT = 0.5
    with FakeWaha() as waha:
        waha.session("default")
        connection = ConnectionFactory(
            tenant=tenant,
            provider="waha",
            secrets={"api_key": "waha-key"},
            settings={"base_url": waha.url, "session": "default"},
        )
        result = checks.run("connection_waha", connection=connection)
        health_services.sync_monitors()
    assert result.status == "pass" and "accepts forged deliveries" in result.detail
    monitor = HealthMonitor.objects.get(connection=connection)
    page = admin_client.get(f"/admin/health/healthmonitor/{monitor.pk}/change/").content.decode()
    assert "Accepts forged deliveries" in page
