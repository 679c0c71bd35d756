"""Meta messages processed as one batch (the batch handler, `inbound_messages`): each contact's
policy is written once, yet opt-outs, opt-ins and stop-on-reply come out exactly as if the
messages had been processed one at a time; a message that cannot be handled fails alone; the
queries a batch needs do not grow with its size."""

import time
from datetime import timedelta

import pytest
from django.db import connection as db
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.integrations import processing, signals
from apps.integrations.models import Conversation, ConversationMessage, InboundEvent
from apps.outbound import services
from apps.outbound.models import ContactChannelPolicy, OutboundMessage, Status
from tests.integrations import signing
from tests.integrations.factories import InboundEventFactory
from tests.outbound.conftest import PHONE

pytestmark = pytest.mark.django_db
OTHER = "4915100000077"


def meta_event(connection, message_id, sender=PHONE, text="Hello", at=None, name="Ada"):
    message = signing.meta_text(message_id, sender=sender, text=text, timestamp=int(at or time.time()))
    payload = {"contacts": [{"wa_id": sender, "profile": {"name": name}}], "message": message}
    return InboundEventFactory(connection=connection, event_type="message", payload=payload)


def process_together(events):
    outcomes = processing.process_batch([event.pk for event in events])
    return [outcomes[event.pk] for event in events]


def test_a_batch_stores_every_message_and_notes_each_contact_once(tenant, meta):
    now = time.time()
    events = [
        meta_event(meta, "wamid.B1", text="Hi", at=now - 60),
        meta_event(meta, "wamid.B2", sender=OTHER, text="Hallo", name="Bea", at=now - 30),
        meta_event(meta, "wamid.B3", text="Are you open?", at=now),
    ]
    assert process_together(events) == ["processed"] * 3
    assert ConversationMessage.objects.filter(connection=meta).count() == 3
    assert Conversation.objects.filter(connection=meta).count() == 2
    ada = ContactChannelPolicy.objects.get(contact_id=PHONE)
    assert ada.contact_name == "Ada" and int(ada.last_inbound_at.timestamp()) == int(now)
    assert ContactChannelPolicy.objects.get(contact_id=OTHER).contact_name == "Bea"
    conversation = Conversation.objects.get(connection=meta, external_id=PHONE)
    assert int(conversation.last_message_at.timestamp()) == int(now)


def test_stop_then_start_in_one_batch_ends_opted_in_with_both_changes_recorded(tenant, meta):
    now = time.time()
    events = [
        meta_event(meta, "wamid.S1", text="STOP", at=now - 10),
        meta_event(meta, "wamid.S2", text="START", at=now),
    ]
    assert process_together(events) == ["processed", "processed"]
    policy = ContactChannelPolicy.objects.get(contact_id=PHONE)
    assert not policy.opted_out and policy.opted_out_via == "keyword" and policy.opted_in_via == "keyword"
    assert OutboundMessage.objects.filter(is_opt_out_confirmation=True).count() == 1


def test_a_stop_in_a_batch_opts_out_even_after_other_messages_of_the_contact(tenant, meta):
    now = time.time()
    events = [meta_event(meta, f"wamid.T{n}", text=text, at=now + n) for n, text in enumerate(["Hi", "STOP", "ok"])]
    assert process_together(events) == ["processed"] * 3
    assert ContactChannelPolicy.objects.get(contact_id=PHONE).opted_out


def test_each_stop_on_reply_message_is_stopped_by_the_first_reply_after_it(tenant, meta):
    first_reply = timezone.now().replace(second=0, microsecond=0) + timedelta(minutes=1)
    early, between, late = (draft(tenant, first_reply + timedelta(minutes=m)) for m in (-1, 2, 10))
    events = [
        meta_event(meta, "wamid.R1", text="thanks", at=first_reply.timestamp()),
        meta_event(meta, "wamid.R2", text="and again", at=(first_reply + timedelta(minutes=5)).timestamp()),
    ]
    assert process_together(events) == ["processed", "processed"]
    for message in (early, between, late):
        message.refresh_from_db()
    assert early.status == Status.CANCELED and f"{first_reply:%H:%M}" in early.last_error
    later = first_reply + timedelta(minutes=5)
    assert between.status == Status.CANCELED and f"{later:%H:%M}" in between.last_error
    assert late.status == Status.DRAFT


def draft(tenant, created_at):
    message = services.create_message(tenant, channel="whatsapp_cloud", to=PHONE, body="Step", stop_on_reply=True)
    OutboundMessage.objects.filter(pk=message.pk).update(created_at=created_at)
    return message


def test_a_message_that_cannot_be_handled_fails_alone(tenant, meta):
    good = meta_event(meta, "wamid.G1")
    bad = meta_event(meta, "wamid.X")
    InboundEvent.objects.filter(pk=bad.pk).update(payload={"message": {"from": PHONE, "type": "text"}})
    other = meta_event(meta, "wamid.G2", sender=OTHER)
    assert process_together([good, bad, other]) == ["processed", "failed", "processed"]
    assert set(ConversationMessage.objects.values_list("provider_message_id", flat=True)) == {"wamid.G1", "wamid.G2"}
    assert ContactChannelPolicy.objects.filter(contact_id__in=[PHONE, OTHER]).count() == 2


def test_the_same_message_twice_in_a_batch_is_stored_once(tenant, meta):
    first = meta_event(meta, "wamid.D1")
    again = meta_event(meta, "wamid.D1")
    assert process_together([first, again]) == ["processed", "processed"]
    assert ConversationMessage.objects.filter(provider_message_id="wamid.D1").count() == 1


def test_receivers_of_the_single_signal_still_hear_every_message_of_a_batch(tenant, meta):
    heard = []

    def receiver(sender, contact_id, text, **kwargs):
        heard.append((contact_id, text))

    signals.inbound_message.connect(receiver, dispatch_uid="test.inbound_batches")
    try:
        process_together([meta_event(meta, "wamid.H1", text="one"), meta_event(meta, "wamid.H2", text="two")])
    finally:
        signals.inbound_message.disconnect(dispatch_uid="test.inbound_batches")
    assert heard == [(PHONE, "one"), (PHONE, "two")]


@pytest.fixture
def only_outbound_listening(monkeypatch):
    """What is counted is the inbox's and outbound's work, not other apps' receivers."""
    for signal in (signals.inbound_message, signals.inbound_messages):
        own = [receiver for receiver in signal.receivers if str(receiver[0][0]).startswith("outbound.")]
        monkeypatch.setattr(signal, "receivers", own)


def queries_for(meta, count, start):
    events = [meta_event(meta, f"wamid.Q{start + n}", sender=f"49151000{start + n:05d}") for n in range(count)]
    with CaptureQueriesContext(db) as captured:
        assert set(process_together(events)) == {"processed"}
    return len(captured)


def test_a_batchs_queries_do_not_grow_with_its_size(tenant, meta, only_outbound_listening):
    assert queries_for(meta, 20, 100) == queries_for(meta, 5, 200)


def test_each_message_of_a_batch_starts_a_run_of_each_active_bot(tenant, meta):
    from apps.integrations import automation
    from apps.integrations.models import AutomationRun

    automation.create_bot(tenant, name="Concierge", workflow_path="concierge")
    events = [meta_event(meta, "wamid.A1"), meta_event(meta, "wamid.A2", sender=OTHER)]
    assert process_together(events) == ["processed", "processed"]
    runs = AutomationRun.objects.filter(tenant=tenant)
    assert sorted(runs.values_list("message__provider_message_id", flat=True)) == ["wamid.A1", "wamid.A2"]
