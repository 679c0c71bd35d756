"""The WAHA session client against a WAHA-like server: a session is created with the tenant in its
metadata and a signed webhook to the connection, goes STARTING → SCAN_QR_CODE (a QR re-issued
after 60 s, then every 20 s, six codes, then FAILED) → WORKING after the phone scans; stop,
restart, logout and delete; pairing by code; errors come back classified."""

import base64

import pytest

from apps.integrations.waha import client
from tests.fakes.server import Reply
from tests.fakes.waha import PNG, FakeWahaSessions
from tests.integrations.factories import ConnectionFactory

pytestmark = pytest.mark.django_db
HOOK = "https://opsdesk.example/webhooks/waha/x/"


@pytest.fixture
def waha():
    with FakeWahaSessions(api_key="waha-key") as server:
        yield server


@pytest.fixture
def connection(tenant, waha):
    return ConnectionFactory(
        tenant=tenant,
        provider="waha",
        settings={"base_url": waha.url, "session": "bella"},
        secrets={"api_key": "waha-key", "signing_secret": "hmac-key"},
    )


def test_a_session_is_created_with_the_tenant_its_webhook_and_its_device_name(waha, connection, tenant):
    info = client.create_session(connection, webhook_url=HOOK, device_name="Opsdesk Bella 2")

    assert info["status"] == "STARTING"
    sent = waha.requests_to("/api/sessions", "POST")[0].json()
    assert sent["name"] == "bella" and sent["start"] is True
    assert sent["config"]["metadata"] == {"tenant.id": str(tenant.pk)}
    assert sent["config"]["webhooks"] == [
        {"url": HOOK, "events": ["session.status", "message", "message.ack"], "hmac": {"key": "hmac-key"}}
    ]
    assert sent["config"]["client"] == {"deviceName": "Opsdesk Bella 2"}


def test_the_qr_code_is_reissued_after_60_s_then_every_20_s_and_the_sixth_expiry_fails(waha, connection):
    client.create_session(connection, webhook_url=HOOK)
    waha.advance(1)
    assert client.session_info(connection)["status"] == "SCAN_QR_CODE"
    first = client.qr_value(connection)

    waha.advance(59)
    assert client.qr_value(connection) == first
    waha.advance(1)
    second = client.qr_value(connection)
    assert second != first
    waha.advance(20)
    assert client.qr_value(connection) not in (first, second)
    waha.advance(20 * 3)
    assert client.qr_value(connection).endswith("-6")
    waha.advance(20)
    assert client.session_info(connection)["status"] == "FAILED"
    with pytest.raises(client.WahaError) as refused:
        client.qr_png(connection)
    assert refused.value.kind == client.WRONG_STATUS and refused.value.session_status == "FAILED"


def test_the_qr_code_comes_as_a_png_and_the_scan_links_the_number(waha, connection):
    client.create_session(connection, webhook_url=HOOK)
    waha.advance(1)
    assert client.qr_png(connection) == PNG
    assert client.me(connection) is None

    waha.scan("bella", number="4915111122233", push_name="Hotel Bella")

    assert client.session_info(connection)["status"] == "WORKING"
    assert client.me(connection) == {"id": "4915111122233@c.us", "pushName": "Hotel Bella"}


def test_stop_restart_logout_and_delete(waha, connection):
    client.create_session(connection, webhook_url=HOOK)
    waha.advance(1)
    waha.scan("bella")

    assert client.stop_session(connection)["status"] == "STOPPED"
    assert client.start_session(connection)["status"] == "STARTING"
    waha.advance(1)
    waha.scan("bella")
    assert client.restart_session(connection)["status"] == "STARTING"
    waha.scan("bella")
    assert client.logout_session(connection)["me"] is None
    client.delete_session(connection)
    with pytest.raises(client.WahaError) as gone:
        client.session_info(connection)
    assert gone.value.kind == client.NOT_FOUND and "does not exist" in gone.value.message


def test_pairing_by_code_while_the_qr_is_shown(waha, connection):
    client.create_session(connection, webhook_url=HOOK)
    waha.advance(1)

    assert client.request_pairing_code(connection, "+49 151 1112 2233") == "ABCD-2233"
    assert waha.requests_to("/api/bella/auth/request-code")[0].json() == {"phoneNumber": "4915111122233"}


def test_a_wrong_api_key_a_server_error_and_a_hang_are_classified(waha, connection, settings):
    connection.set_secrets(api_key="wrong")
    with pytest.raises(client.WahaError) as auth:
        client.session_info(connection)
    assert auth.value.kind == client.AUTH_FAILED

    connection.set_secrets(api_key="waha-key")
    client.create_session(connection, webhook_url=HOOK)
    with pytest.raises(client.WahaError) as twice:
        client.create_session(connection, webhook_url=HOOK)
    assert twice.value.kind == client.REFUSED and "already exists" in twice.value.message

    settings.WAHA_READ_TIMEOUT_S = 0.2
    waha.route("GET", "/api/sessions/slow", Reply(200, {}, delay=1))
    connection.settings["session"] = "slow"
    with pytest.raises(client.WahaError) as hang:
        client.session_info(connection)
    assert hang.value.kind == client.UNAVAILABLE


@pytest.mark.parametrize(
    "status,body",
    [
        (463, {"message": "463"}),
        (500, {"statusCode": 500, "message": "Request failed", "exception": {"code": 475}}),
    ],
)
def test_send_errors_463_and_475_are_the_new_contacts_pause_not_a_retry(status, body):
    import requests

    response = requests.Response()
    response.status_code, response._content = status, __import__("json").dumps(body).encode()

    outcome = client.classify(response)

    assert outcome.kind == "permanent" and outcome.error_code == "NEW_CONTACTS_PAUSED"
    assert "Do not restart or re-pair" in outcome.error_title


def test_the_base64_qr_is_the_same_image(waha, connection):
    client.create_session(connection, webhook_url=HOOK)
    waha.advance(1)
    import requests

    answer = requests.get(
        f"{waha.url}/api/bella/auth/qr", headers={"X-Api-Key": "waha-key", "Accept": "application/json"}, timeout=5
    ).json()
    assert base64.b64decode(answer["data"]) == PNG
