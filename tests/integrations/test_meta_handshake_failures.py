"""Meta's failed subscription handshakes (a wrong hub.verify_token) are recorded as
META_WEBHOOK_VERIFY_FAIL, at most once per interval, like refused signatures."""

import pytest

from apps.events.models import SystemEvent

VERIFY_TOKEN = "verify-me"


@pytest.fixture(autouse=True)
def meta_settings(settings):
    settings.META_VERIFY_TOKEN = VERIFY_TOKEN
    settings.WEBHOOK_SIGNATURE_EVENT_INTERVAL_S = 60


def handshake(client, token):
    return client.get("/webhooks/meta/", {"hub.mode": "subscribe", "hub.verify_token": token, "hub.challenge": "42"})


def test_a_wrong_verify_token_is_refused_and_recorded_once_per_interval(client, db):
    responses = [handshake(client, "guess") for _ in range(5)]

    assert {response.status_code for response in responses} == {403}
    events = SystemEvent.objects.filter(code="META_WEBHOOK_VERIFY_FAIL")
    assert events.count() == 1
    assert "subscription handshake" in events.get().message
    assert events.get().meta["connection_id"] == "meta:handshake"


def test_a_good_handshake_records_nothing(client, db):
    assert handshake(client, VERIFY_TOKEN).content == b"42"
    assert not SystemEvent.objects.filter(code="META_WEBHOOK_VERIFY_FAIL").exists()


def test_handshake_failures_are_limited_apart_from_bad_signatures(client, db):
    from apps.events import emit

    emit("META_WEBHOOK_VERIFY_FAIL", source="integrations.webhooks", meta={"connection_id": "meta:platform"})

    handshake(client, "guess")

    assert SystemEvent.objects.filter(code="META_WEBHOOK_VERIFY_FAIL").count() == 2
