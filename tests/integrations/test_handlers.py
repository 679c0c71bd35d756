"""What each provider's events do once processed (the handlers), through the real pipeline."""

import pytest

from apps.events.models import SystemEvent
from apps.integrations import processing
from apps.integrations.models import Connection, Conversation, ConversationMessage, InboundEvent, Reservation
from tests.integrations.factories import ConnectionFactory, InboundEventFactory


def processed(connection, event_type, payload, external_id=None):
    event = InboundEventFactory(
        connection=connection,
        event_type=event_type,
        payload=payload,
        external_id=external_id or f"{event_type}-{InboundEvent.objects.count()}",
    )
    assert processing.process(event.pk) == "processed", InboundEvent.objects.get(pk=event.pk).last_error
    return event


@pytest.fixture
def waha(tenant):
    return ConnectionFactory(tenant=tenant, provider="waha")


def test_waha_session_failed_disconnects_the_connection_with_events(waha):
    processed(waha, "session.status", {"session": "default", "payload": {"status": "FAILED"}})
    waha.refresh_from_db()
    assert waha.state == Connection.State.DISCONNECTED and waha.state_changed_at
    assert set(SystemEvent.objects.values_list("code", flat=True)) == {
        "WHATSAPP_CONNECTION_UPDATE",
        "WAHA_SESSION_DOWN",
    }


def test_waha_session_working_connects_it(waha):
    processed(waha, "session.status", {"session": "default", "payload": {"status": "WORKING"}})
    waha.refresh_from_db()
    assert waha.state == Connection.State.CONNECTED
    assert not SystemEvent.objects.filter(code="WAHA_SESSION_DOWN").exists()


def test_chatwoot_message_and_status_change_are_stored(tenant):
    chatwoot = ConnectionFactory(tenant=tenant, provider="chatwoot")
    processed(
        chatwoot,
        "message_created",
        {
            "event": "message_created",
            "id": 501,
            "content": "Where is my booking?",
            "message_type": "incoming",
            "created_at": 1764000000,
            "conversation": {"id": 77, "status": "open", "meta": {"sender": {"id": 9, "name": "Grace"}}},
        },
    )
    processed(
        chatwoot,
        "conversation_status_changed",
        {"event": "conversation_status_changed", "id": 77, "status": "resolved"},
    )
    conversation = Conversation.objects.get(connection=chatwoot, external_id="77")
    assert (conversation.status, conversation.contact_name) == ("resolved", "Grace")
    message = ConversationMessage.objects.get()
    assert (message.text, message.conversation, message.direction) == ("Where is my booking?", conversation, "inbound")


def test_replayed_chatwoot_message_is_not_stored_twice(tenant):
    chatwoot = ConnectionFactory(tenant=tenant, provider="chatwoot")
    payload = {"event": "message_created", "id": 502, "content": "hi", "conversation": {"id": 78}}
    event = processed(chatwoot, "message_created", payload)
    InboundEvent.objects.filter(pk=event.pk).update(status="received")
    assert processing.process(event.pk) == "processed"
    assert ConversationMessage.objects.count() == 1


def pms_event(webhook_id, event_type, at, **data):
    return {"type": event_type, "timestamp": at, "data": {"reservation_id": "R-9", **data}}, webhook_id


def test_pms_reservation_follows_its_lifecycle_and_ignores_late_events(tenant):
    pms = ConnectionFactory(tenant=tenant, provider="pms")
    steps = [
        pms_event(
            "w1",
            "reservation.created",
            "2026-11-20T10:00:00Z",
            guest={"name": "Ada", "phone": "+4915"},
            check_in="2026-12-01",
            check_out="2026-12-03",
            room="12",
        ),
        pms_event("w3", "reservation.cancelled", "2026-11-22T10:00:00Z"),
        pms_event("w2", "reservation.modified", "2026-11-21T10:00:00Z", room="14"),
    ]
    for payload, webhook_id in steps:
        processed(pms, payload["type"], payload, external_id=webhook_id)
    reservation = Reservation.objects.get(external_id="R-9")
    assert (reservation.status, reservation.room, reservation.guest_name) == ("cancelled", "12", "Ada")
    assert [entry["webhook_id"] for entry in reservation.history] == ["w1", "w3", "w2"]
    assert str(reservation.check_in) == "2026-12-01"


def test_pms_event_without_a_reservation_id_fails_and_retries(tenant, settings):
    settings.INBOX_RETRY_SCHEDULE = [0, 60]
    pms = ConnectionFactory(tenant=tenant, provider="pms")
    event = InboundEventFactory(connection=pms, event_type="reservation.created", payload={"type": "x", "data": {}})
    assert processing.process(event.pk) == "failed"
    event.refresh_from_db()
    assert "reservation_id" in event.last_error


def test_telegram_update_is_stored_as_a_chat_message(tenant):
    telegram = ConnectionFactory(tenant=tenant, provider="telegram")
    processed(
        telegram,
        "message",
        {
            "update_id": 1,
            "message": {
                "message_id": 7,
                "date": 1764000000,
                "text": "/start",
                "chat": {"id": 4242, "type": "private"},
                "from": {"id": 4242, "first_name": "Linus", "last_name": "T"},
            },
        },
    )
    message = ConversationMessage.objects.get()
    assert (message.contact_id, message.contact_name, message.text) == ("4242", "Linus T", "/start")


@pytest.fixture
def meta(tenant):
    return ConnectionFactory(tenant=tenant, provider="meta", external_key="1065551234")


def test_meta_inbound_message_is_stored_and_handed_to_outbound_policy(meta):
    from apps.integrations import signals
    from tests.integrations import signing

    heard = []

    def receiver(sender, **kwargs):
        heard.append((kwargs["contact_id"], kwargs["text"], kwargs["contact_name"]))

    signals.inbound_message.connect(receiver)
    try:
        processed(
            meta,
            "message",
            {
                "contacts": [{"wa_id": "4915112345678", "profile": {"name": "Ada"}}],
                "message": signing.meta_text("wamid.IN1", text="STOP"),
            },
        )
    finally:
        signals.inbound_message.disconnect(receiver)
    message = ConversationMessage.objects.get(provider_message_id="wamid.IN1")
    assert (message.channel, message.contact_name, message.text) == ("whatsapp_cloud", "Ada", "STOP")
    assert heard == [("4915112345678", "STOP", "Ada")]


def test_meta_failed_status_for_an_unknown_message_emits_meta_send_fail(meta):
    from tests.integrations import signing

    status = signing.meta_status("wamid.OUT9", "failed", errors=[{"code": 131047, "title": "Re-engagement message"}])
    processed(meta, "status", {"status": status})
    event = SystemEvent.objects.get(code="META_SEND_FAIL")
    assert event.meta["meta_error_code"] == 131047 and event.tenant == meta.tenant


def test_meta_status_matched_by_outbound_emits_nothing_here(meta):
    from apps.integrations import signals
    from tests.integrations import signing

    def receiver(sender, **kwargs):
        return kwargs["provider_message_id"] == "wamid.OUT9"

    signals.delivery_status.connect(receiver)
    try:
        processed(meta, "status", {"status": signing.meta_status("wamid.OUT9", "failed", errors=[{"code": 131026}])})
    finally:
        signals.delivery_status.disconnect(receiver)
    assert not SystemEvent.objects.filter(code="META_SEND_FAIL").exists()
