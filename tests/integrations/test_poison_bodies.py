"""A signed delivery PostgreSQL cannot store (NUL, Infinity) or nested past JSON_MAX_DEPTH is a 400
that names the problem, never a 503 (the sender would retry it for days) or an HTML 500; nothing
is stored."""

import pytest

from apps.integrations.models import InboundEvent
from tests.integrations import signing
from tests.integrations.factories import ConnectionFactory

META_SECRET, WAHA_KEY = "meta-app-secret", "waha-hmac-key"
DEEP = "[" * 50_000 + "]" * 50_000
POISON = [
    ('"Hello\\u0000"', "nul_character", "NUL character"),
    ("1e999", "non_finite_number", "1e999 is not a finite number"),
    (DEEP, "too_deep", "deeper than 32 levels"),
]


@pytest.fixture(autouse=True)
def limits(settings):
    settings.META_APP_SECRET, settings.JSON_MAX_DEPTH = META_SECRET, 32


def waha_body(value: str) -> bytes:
    return (
        '{"id": "evt_01jx", "event": "message", "session": "default", "payload": {"from": "393331234567@c.us", '
        f'"body": {value}}}}}'
    ).encode()


def meta_body(value: str) -> bytes:
    return (
        '{"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [{"field": "messages", '
        '"value": {"metadata": {"phone_number_id": "1065551234"}, "messages": [{"from": "4915112345678", '
        f'"id": "wamid.1", "type": "text", "text": {{"body": {value}}}}}]}}}}]}}]}}'
    ).encode()


@pytest.mark.parametrize("value, code, problem", POISON)
def test_signed_waha_poison_is_a_400_naming_it(client, tenant, value, code, problem):
    connection = ConnectionFactory(tenant=tenant, provider="waha", secrets={"signing_secret": WAHA_KEY})
    body = waha_body(value)
    response = client.post(
        f"/webhooks/waha/{connection.pk}/",
        data=body,
        content_type="application/json",
        **signing.waha_headers(WAHA_KEY, body),
    )
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"] == code and problem in response.json()["detail"]
    assert "payload.body" in response.json()["detail"]
    assert not InboundEvent.objects.exists()


@pytest.mark.parametrize("value, code, problem", POISON)
def test_signed_meta_poison_is_a_400_naming_it(client, tenant, value, code, problem):
    ConnectionFactory(tenant=tenant, provider="meta", external_key="1065551234")
    body = meta_body(value)
    response = client.post(
        "/webhooks/meta/", data=body, content_type="application/json", **signing.meta_headers(META_SECRET, body)
    )
    assert response.status_code == 400, response.content
    assert response.json()["error"] == code and problem in response.json()["detail"]
    assert "entry[0].changes[0].value" in response.json()["detail"]
    assert not InboundEvent.objects.exists()


def test_the_same_delivery_without_poison_is_stored(client, tenant):
    connection = ConnectionFactory(tenant=tenant, provider="waha", secrets={"signing_secret": WAHA_KEY})
    body = waha_body('"Hello"')
    response = client.post(
        f"/webhooks/waha/{connection.pk}/",
        data=body,
        content_type="application/json",
        **signing.waha_headers(WAHA_KEY, body),
    )
    assert response.status_code == 200 and InboundEvent.objects.count() == 1
