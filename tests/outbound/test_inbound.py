"""What inbound messages and delivery statuses do to outbound: STOP words opt out with exactly one
confirmation, START opts back in, any reply stops stop-on-reply messages, the 24-hour window
opens; statuses move messages forward only. The last tests go through the real inbound pipeline
(the lead's handlers send the signals outbound answers)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.events.models import AuditEvent, SystemEvent
from apps.outbound import services
from apps.outbound.models import ContactChannelPolicy, OutboundMessage, Status
from apps.outbound.services.inbound import keyword
from tests.outbound.conftest import PHONE, contact_wrote, queued

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "text, word",
    [
        ("STOP", "STOP"),
        ("stop", "STOP"),
        (" Stop! ", "STOP"),
        ("unsubscribe.", "UNSUBSCRIBE"),
        ("please stop", ""),
        ("STOP sending", ""),
        ("", ""),
        ("🙂", ""),
    ],
)
def test_keyword_is_a_single_word_only(text, word):
    assert keyword(text) == word


@pytest.mark.parametrize("word", ["STOP", "stopall", "Unsubscribe", "CANCEL", "end", "QUIT"])
def test_stop_words_opt_out_and_send_one_confirmation(tenant, meta, graph, word, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        policy = contact_wrote(meta, text=word)
    assert policy.opted_out and policy.opted_out_via == "keyword" and policy.opted_out_note == word.upper()
    confirmation = OutboundMessage.objects.get(is_opt_out_confirmation=True)
    assert confirmation.status == Status.SENT and "Reply START" in confirmation.body
    assert [p["text"]["body"] for p in graph.sent()] == [confirmation.body]
    assert AuditEvent.objects.filter(action="outbound.policy_changed", target_id=str(policy.pk)).count() == 1


def test_a_second_stop_sends_no_second_confirmation(tenant, meta, graph, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        contact_wrote(meta, text="STOP")
        contact_wrote(meta, text="STOP", at=timezone.now() + timedelta(minutes=1))
    assert OutboundMessage.objects.filter(is_opt_out_confirmation=True).count() == 1
    assert len(graph.sent()) == 1


def test_the_tenants_own_stop_words_count(tenant, meta):
    services.set_tenant_settings(tenant, frequency_cap=10, frequency_window_s=86400, stop_words="abmelden, Baja")
    assert contact_wrote(meta, text="Abmelden").opted_out
    assert not contact_wrote(meta, contact="4915100000002", text="Hallo").opted_out


def test_the_tenants_confirmation_text_is_used(tenant, meta):
    services.set_tenant_settings(tenant, frequency_cap=10, frequency_window_s=86400, opt_out_confirmation="Abgemeldet.")
    contact_wrote(meta, text="STOP")
    assert OutboundMessage.objects.get(is_opt_out_confirmation=True).body == "Abgemeldet."


def test_start_and_unstop_opt_back_in(tenant, meta):
    contact_wrote(meta, text="STOP")
    policy = contact_wrote(meta, text="start")
    assert not policy.opted_out and policy.opted_in_via == "keyword" and policy.opted_in_note == "START"
    contact_wrote(meta, text="QUIT")
    assert not contact_wrote(meta, text="UNSTOP").opted_out


def test_after_stop_nothing_else_is_sent_to_the_contact(tenant, meta, graph):
    contact_wrote(meta, text="STOP")
    message = services.create_message(tenant, channel="whatsapp_cloud", to=PHONE, body="One more offer", approve=True)
    assert message.status == Status.BLOCKED_OPT_OUT


def test_a_reply_cancels_pending_stop_on_reply_messages_only(tenant, meta):
    sequence = queued(tenant, meta, body="Step 2 of the onboarding", stop_on_reply=True)
    ordinary = queued(tenant, meta, body="Your receipt")
    draft = services.create_message(tenant, channel="whatsapp_cloud", to=PHONE, body="Step 3", stop_on_reply=True)
    contact_wrote(meta, text="Thanks, got it", at=timezone.now() + timedelta(seconds=1))
    for message, status in ((sequence, Status.CANCELED), (draft, Status.CANCELED), (ordinary, Status.QUEUED)):
        message.refresh_from_db()
        assert message.status == status
    sequence.refresh_from_db()
    assert "stops on reply" in sequence.reason and sequence.preflight_code == "STOPPED_BY_REPLY"


def test_contacts_stop_on_reply_policy_marks_new_messages(tenant, meta):
    contact_wrote(meta)
    services.update_policy(
        services.contact_policy(tenant, "whatsapp_cloud", PHONE),
        stop_on_reply=True,
        frequency_cap=None,
        frequency_window_s=None,
    )
    assert services.create_message(tenant, channel="whatsapp_cloud", to=PHONE, body="Hi").stop_on_reply


def test_inbound_keeps_the_latest_time_and_the_name(tenant, meta):
    now = timezone.now()
    services.record_inbound(meta, PHONE, "Hi", received_at=now, contact_name="Ada")
    policy = services.record_inbound(meta, PHONE, "older, replayed", received_at=now - timedelta(hours=3))
    assert policy.last_inbound_at == now and policy.contact_name == "Ada"


def test_waha_chat_ids_and_phone_numbers_are_one_contact(tenant, waha):
    services.record_inbound(waha, f"{PHONE}@c.us", "STOP", received_at=timezone.now())
    assert ContactChannelPolicy.objects.get(channel="waha").contact_id == PHONE
    assert (
        services.create_message(tenant, channel="waha", to=f"+{PHONE}", body="x", approve=True).status
        == Status.BLOCKED_OPT_OUT
    )


def sent_message(tenant, meta):
    message = queued(tenant, meta)
    services.dispatch(message.pk)
    message.refresh_from_db()
    return message


def test_delivery_statuses_move_forward_and_never_back(tenant, meta, graph):
    message = sent_message(tenant, meta)
    assert services.apply_delivery_status(meta, message.provider_message_id, "delivered")
    assert services.apply_delivery_status(meta, message.provider_message_id, "read")
    assert services.apply_delivery_status(meta, message.provider_message_id, "delivered")  # late: ignored
    assert services.apply_delivery_status(meta, message.provider_message_id, "sent")
    message.refresh_from_db()
    assert message.status == Status.READ and message.delivered_at and message.read_at


def test_read_without_delivered_stamps_both(tenant, meta, graph):
    message = sent_message(tenant, meta)
    services.apply_delivery_status(meta, message.provider_message_id, "read")
    message.refresh_from_db()
    assert message.status == Status.READ and message.delivered_at == message.read_at


def test_failed_status_fails_the_message_with_metas_code(tenant, meta, graph):
    message = sent_message(tenant, meta)
    assert services.apply_delivery_status(
        meta, message.provider_message_id, "failed", error_code=131026, error_title="Message undeliverable"
    )
    message.refresh_from_db()
    assert message.status == Status.FAILED and message.last_error_code == "131026"
    event = SystemEvent.objects.get(code="META_SEND_FAIL")
    assert event.meta["meta_error_code"] == 131026 and event.meta["outbound_message_id"] == message.pk


def test_unknown_provider_id_returns_false(tenant, meta, graph):
    assert services.apply_delivery_status(meta, "wamid.UNKNOWN", "delivered") is False
    assert services.apply_delivery_status(meta, "", "delivered") is False


def test_status_of_another_connections_message_does_not_match(tenant, other_tenant, meta, graph):
    from tests.integrations.factories import ConnectionFactory

    message = sent_message(tenant, meta)
    theirs = ConnectionFactory(tenant=other_tenant, provider="meta")
    assert services.apply_delivery_status(theirs, message.provider_message_id, "failed") is False


def processed(connection, event_type, payload):
    from apps.integrations import processing
    from tests.integrations.factories import InboundEventFactory

    event = InboundEventFactory(connection=connection, event_type=event_type, payload=payload)
    assert processing.process(event.pk) == "processed"


def test_through_the_inbound_pipeline_stop_and_statuses(tenant, meta, graph, django_capture_on_commit_callbacks):
    from tests.integrations import signing

    message = sent_message(tenant, meta)
    processed(meta, "status", {"status": signing.meta_status(message.provider_message_id, "delivered")})
    message.refresh_from_db()
    assert message.status == Status.DELIVERED
    with django_capture_on_commit_callbacks(execute=True):
        processed(
            meta,
            "message",
            {
                "contacts": [{"wa_id": PHONE, "profile": {"name": "Ada"}}],
                "message": signing.meta_text("wamid.IN-STOP", text="STOP"),
            },
        )
    policy = ContactChannelPolicy.objects.get(contact_id=PHONE)
    assert policy.opted_out and policy.contact_name == "Ada"
    confirmation = OutboundMessage.objects.get(is_opt_out_confirmation=True)
    assert confirmation.status == Status.QUEUED  # waits out the 6 s since the message just sent to this contact
    assert services.dispatch(confirmation.pk, now=confirmation.next_attempt_at) == Status.SENT


def test_through_the_inbound_pipeline_waha_acks(tenant, waha, waha_server):
    message = queued(tenant, waha)
    services.dispatch(message.pk)
    message.refresh_from_db()
    processed(waha, "message.ack", {"payload": {"id": message.provider_message_id, "ack": 3}})
    message.refresh_from_db()
    assert message.status == Status.READ
