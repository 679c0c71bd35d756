"""Every webhook endpoint answers 200 only for what it stored, and refuses the rest with a status
and a message that says what is wrong, storing nothing."""

import time
import uuid

import pytest

from apps.events.models import SystemEvent
from apps.integrations.models import InboundEvent
from tests.integrations import signing
from tests.integrations.factories import ConnectionFactory

META_SECRET, VERIFY_TOKEN = "meta-app-secret", "verify-me"
PMS_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


@pytest.fixture(autouse=True)
def meta_settings(settings):
    settings.META_APP_SECRET, settings.META_VERIFY_TOKEN = META_SECRET, VERIFY_TOKEN


def post(client, url, payload, headers):
    body = signing.body_of(payload)
    return client.post(url, data=body, content_type="application/json", **headers)


# (provider, secret, signer, a valid payload)
PROVIDERS = {
    "waha": (
        "waha-hmac-key",
        signing.waha_headers,
        {"id": "evt_01", "event": "session.status", "session": "default", "payload": {"status": "WORKING"}},
    ),
    "chatwoot": (
        "chatwoot-secret",
        signing.chatwoot_headers,
        {"event": "message_created", "id": 77, "content": "Hi", "message_type": "incoming", "conversation": {"id": 5}},
    ),
    "pms": (
        PMS_SECRET,
        signing.pms_headers,
        {
            "type": "reservation.created",
            "timestamp": "2026-11-25T10:00:00Z",
            "data": {"reservation_id": "R-1", "guest": {"name": "Ada"}},
        },
    ),
    "telegram": (
        "tg-secret-token",
        signing.telegram_headers,
        {"update_id": 9001, "message": {"message_id": 1, "chat": {"id": 42}, "date": 1764000000, "text": "hi"}},
    ),
    "n8n": ("n8n-token", signing.n8n_headers, {"run_id": 1, "status": "succeeded"}),
}


@pytest.fixture(params=sorted(PROVIDERS))
def signed(request, tenant):
    provider = request.param
    secret, signer, payload = PROVIDERS[provider]
    connection = ConnectionFactory(tenant=tenant, provider=provider, secrets={"signing_secret": secret})
    return provider, connection, secret, signer, payload


def test_signed_delivery_is_stored_and_acknowledged(client, signed):
    provider, connection, secret, signer, payload = signed
    body = signing.body_of(payload)
    response = post(client, f"/webhooks/{provider}/{connection.pk}/", body, signer(secret, body))
    assert response.status_code == 200, response.content
    assert response.json() == {"stored": 1, "duplicates": 0}
    event = InboundEvent.objects.get()
    assert (event.provider, event.connection, event.tenant, event.status) == (
        provider,
        connection,
        connection.tenant,
        "received",
    )
    assert event.raw_body == body.decode()


def test_wrong_secret_is_refused_and_recorded_once_a_minute(client, signed):
    provider, connection, _secret, signer, payload = signed
    body = signing.body_of(payload)
    for _ in range(3):
        response = post(
            client,
            f"/webhooks/{provider}/{connection.pk}/",
            body,
            signer("not-the-secret" if provider != "pms" else "whsec_" + "QUJD" * 8, body),
        )
        assert response.status_code == 401
        assert response.json()["error"] == "bad_signature"
    assert not InboundEvent.objects.exists()
    events = SystemEvent.objects.filter(code=f"{provider.upper()}_WEBHOOK_SIGNATURE_FAIL")
    assert events.count() == 1
    assert events.get().tenant == connection.tenant


def test_missing_signature_is_refused(client, signed):
    provider, connection, *_, payload = signed
    response = post(client, f"/webhooks/{provider}/{connection.pk}/", payload, {})
    assert response.status_code == 401
    assert not InboundEvent.objects.exists()


def test_truncated_json_is_a_400_and_stores_nothing(client, signed):
    provider, connection, secret, signer, _payload = signed
    body = b'{"id": "evt_01", "event": '
    response = post(client, f"/webhooks/{provider}/{connection.pk}/", body, signer(secret, body))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_json"
    assert not InboundEvent.objects.exists()


def test_json_without_the_providers_id_is_a_400(client, signed):
    provider, connection, secret, signer, _payload = signed
    body = b'{"hello": "world"}'
    response = post(client, f"/webhooks/{provider}/{connection.pk}/", body, signer(secret, body))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_payload"
    assert not InboundEvent.objects.exists()


def test_oversize_body_is_a_413(client, signed, settings):
    settings.WEBHOOK_MAX_BYTES = 1000
    provider, connection, secret, signer, _payload = signed
    body = b'{"padding": "' + b"x" * 2000 + b'"}'
    response = post(client, f"/webhooks/{provider}/{connection.pk}/", body, signer(secret, body))
    assert response.status_code == 413
    assert not InboundEvent.objects.exists()


def test_unknown_connection_is_a_404(client, signed):
    provider, _connection, secret, signer, payload = signed
    body = signing.body_of(payload)
    for connection_id in (uuid.uuid4(), "12", "not-a-uuid"):
        response = post(client, f"/webhooks/{provider}/{connection_id}/", body, signer(secret, body))
        assert response.status_code == 404
        assert response.json()["error"] == "unknown_connection"


def test_connection_of_another_provider_is_a_404(client, tenant):
    other = ConnectionFactory(tenant=tenant, provider="chatwoot")
    response = post(client, f"/webhooks/waha/{other.pk}/", {"id": "e", "event": "message"}, {})
    assert response.status_code == 404


def test_get_on_a_provider_endpoint_is_a_405(client, signed):
    provider, connection, *_ = signed
    assert client.get(f"/webhooks/{provider}/{connection.pk}/").status_code == 405


def test_same_delivery_twice_is_stored_once(client, signed):
    provider, connection, secret, signer, payload = signed
    body = signing.body_of(payload)
    headers = signer(secret, body)
    first = post(client, f"/webhooks/{provider}/{connection.pk}/", body, headers)
    second = post(client, f"/webhooks/{provider}/{connection.pk}/", body, headers)
    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json() == {"stored": 0, "duplicates": 1}
    assert InboundEvent.objects.count() == 1


def test_stored_headers_keep_no_credentials(client, tenant):
    connection = ConnectionFactory(tenant=tenant, provider="n8n", secrets={"signing_secret": "n8n-token"})
    post(client, f"/webhooks/n8n/{connection.pk}/", {"run_id": 3, "status": "failed"}, signing.n8n_headers("n8n-token"))
    headers = {name.lower() for name in InboundEvent.objects.get().headers}
    assert "authorization" not in headers and "content-type" in headers


# --- per-provider rules ---------------------------------------------------------------------


def test_waha_without_a_key_accepts_unsigned_deliveries(client, tenant):
    connection = ConnectionFactory(tenant=tenant, provider="waha")
    response = post(client, f"/webhooks/waha/{connection.pk}/", PROVIDERS["waha"][2], {})
    assert response.status_code == 200


def test_waha_refuses_another_hmac_algorithm(client, tenant):
    connection = ConnectionFactory(tenant=tenant, provider="waha", secrets={"signing_secret": "k"})
    body = signing.body_of(PROVIDERS["waha"][2])
    headers = {**signing.waha_headers("k", body), "HTTP_X_WEBHOOK_HMAC_ALGORITHM": "sha1"}
    assert post(client, f"/webhooks/waha/{connection.pk}/", body, headers).status_code == 401


def test_older_chatwoot_without_a_secret_is_accepted_unsigned(client, tenant):
    connection = ConnectionFactory(tenant=tenant, provider="chatwoot")
    assert post(client, f"/webhooks/chatwoot/{connection.pk}/", PROVIDERS["chatwoot"][2], {}).status_code == 200


def test_chatwoot_signature_older_than_five_minutes_is_refused(client, tenant):
    connection = ConnectionFactory(tenant=tenant, provider="chatwoot", secrets={"signing_secret": "s"})
    body = signing.body_of(PROVIDERS["chatwoot"][2])
    headers = signing.chatwoot_headers("s", body, timestamp=int(time.time()) - 301)
    assert post(client, f"/webhooks/chatwoot/{connection.pk}/", body, headers).status_code == 401


def test_pms_old_timestamp_is_refused(client, tenant):
    connection = ConnectionFactory(tenant=tenant, provider="pms", secrets={"signing_secret": PMS_SECRET})
    body = signing.body_of(PROVIDERS["pms"][2])
    headers = signing.pms_headers(PMS_SECRET, body, timestamp=int(time.time()) - 301)
    assert post(client, f"/webhooks/pms/{connection.pk}/", body, headers).status_code == 401


def test_pms_accepts_any_of_several_signatures_while_a_secret_rotates(client, tenant):
    connection = ConnectionFactory(tenant=tenant, provider="pms", secrets={"signing_secret": PMS_SECRET})
    body = signing.body_of(PROVIDERS["pms"][2])
    headers = signing.pms_headers(PMS_SECRET, body, msg_id="msg_rotate")
    old = signing.pms_signature("whsec_" + "T0xE" * 8, "msg_rotate", headers["HTTP_WEBHOOK_TIMESTAMP"], body)
    headers["HTTP_WEBHOOK_SIGNATURE"] = f"{old} {headers['HTTP_WEBHOOK_SIGNATURE']}"
    assert post(client, f"/webhooks/pms/{connection.pk}/", body, headers).status_code == 200
    assert InboundEvent.objects.get().external_id == "msg_rotate"


# --- Meta -----------------------------------------------------------------------------------


@pytest.fixture
def meta_connection(tenant):
    return ConnectionFactory(
        tenant=tenant, provider="meta", external_key="1065551234", settings={"phone_number_id": "1065551234"}
    )


def test_meta_handshake_echoes_the_challenge(client):
    response = client.get(
        "/webhooks/meta/", {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"}
    )
    assert response.status_code == 200
    assert response.content == b"1158201444"


def test_meta_handshake_with_wrong_token_is_a_403(client, db):
    response = client.get(
        "/webhooks/meta/", {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"}
    )
    assert response.status_code == 403


def test_meta_batch_becomes_one_event_per_message_and_status(client, meta_connection):
    payload = signing.meta_delivery(
        messages=[signing.meta_text("wamid.A"), signing.meta_text("wamid.B")],
        statuses=[signing.meta_status("wamid.OUT1", "sent"), signing.meta_status("wamid.OUT1", "delivered")],
    )
    body = signing.body_of(payload)
    response = post(client, "/webhooks/meta/", body, signing.meta_headers(META_SECRET, body))
    assert response.json() == {"stored": 4, "duplicates": 0}
    stored = set(InboundEvent.objects.values_list("event_type", "external_id"))
    assert stored == {
        ("message", "wamid.A"),
        ("message", "wamid.B"),
        ("status", "wamid.OUT1:sent"),
        ("status", "wamid.OUT1:delivered"),
    }
    assert set(InboundEvent.objects.values_list("tenant", flat=True)) == {meta_connection.tenant_id}


def test_meta_bad_signature_is_a_401_with_meta_webhook_verify_fail(client, meta_connection):
    body = signing.body_of(signing.meta_delivery(messages=[signing.meta_text("wamid.A")]))
    response = post(client, "/webhooks/meta/", body, signing.meta_headers("wrong", body))
    assert response.status_code == 401
    assert SystemEvent.objects.filter(code="META_WEBHOOK_VERIFY_FAIL").count() == 1
    assert not InboundEvent.objects.exists()


def test_meta_unknown_phone_number_id_is_a_404(client, meta_connection):
    body = signing.body_of(signing.meta_delivery(phone_number_id="999", messages=[signing.meta_text("wamid.A")]))
    response = post(client, "/webhooks/meta/", body, signing.meta_headers(META_SECRET, body))
    assert response.status_code == 404
    assert "999" in response.json()["detail"]


def test_meta_delivery_of_another_object_is_a_400(client, meta_connection):
    body = b'{"object": "page", "entry": []}'
    response = post(client, "/webhooks/meta/", body, signing.meta_headers(META_SECRET, body))
    assert response.status_code == 400
