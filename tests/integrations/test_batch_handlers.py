"""Batch handlers: the claimed events of one type go to their batch handler together (one
conversation upsert, one message upsert), in an order that keeps what ordering decides, and a batch
that fails is done again one event at a time so only the bad event fails."""

import pytest
from django.db import connection as db
from django.test.utils import CaptureQueriesContext

from apps.integrations import processing, signals
from apps.integrations.models import Conversation, ConversationMessage, InboundEvent
from tests.integrations.factories import ConnectionFactory, InboundEventFactory

pytestmark = pytest.mark.django_db


def chatwoot_event(connection, event_type="message_created", **payload):
    return InboundEventFactory(connection=connection, event_type=event_type, payload=payload)


def message(connection, number, conversation=7, status="open", name="Grace"):
    return chatwoot_event(
        connection,
        id=number,
        content=f"message {number}",
        message_type="incoming",
        created_at=1764500000 + number,
        conversation={"id": conversation, "status": status, "meta": {"sender": {"id": 5, "name": name}}},
    )


def process_together(events):
    outcomes = processing.process_batch([event.pk for event in events])
    return [outcomes[event.pk] for event in events]


def test_a_batch_of_chatwoot_messages_is_stored_like_one_at_a_time():
    connection = ConnectionFactory(provider="chatwoot")
    events = [message(connection, n, conversation=7 + n % 2) for n in range(1, 7)]
    assert process_together(events) == ["processed"] * 6
    assert ConversationMessage.objects.filter(connection=connection).count() == 6
    first, second = Conversation.objects.filter(connection=connection).order_by("external_id")
    assert (first.external_id, first.contact_id, first.contact_name, first.status) == ("7", "5", "Grace", "open")
    assert int(second.last_message_at.timestamp()) == 1764500005
    assert int(first.last_message_at.timestamp()) == 1764500006


def test_later_values_win_and_last_message_at_never_goes_back():
    connection = ConnectionFactory(provider="chatwoot")
    newer = message(connection, 50, name="Grace H.")
    older = message(connection, 10, name="")
    assert process_together([newer, older]) == ["processed", "processed"]
    conversation = Conversation.objects.get(connection=connection)
    assert conversation.contact_name == "Grace H." and int(conversation.last_message_at.timestamp()) == 1764500050


def test_a_status_change_between_messages_keeps_its_place_in_the_order():
    connection = ConnectionFactory(provider="chatwoot")
    events = [
        message(connection, 1, status="open"),
        chatwoot_event(connection, "conversation_status_changed", id=7, status="resolved"),
        message(connection, 2, status="open"),
    ]
    assert process_together(events) == ["processed"] * 3
    assert Conversation.objects.get(connection=connection).status == "open"


def test_a_failing_event_falls_back_to_one_at_a_time_and_fails_alone():
    connection = ConnectionFactory(provider="chatwoot")
    good, bad, other = (message(connection, n) for n in (1, 2, 3))
    InboundEvent.objects.filter(pk=bad.pk).update(payload={"content": "no id", "conversation": {"id": 7}})
    assert process_together([good, bad, other]) == ["processed", "failed", "processed"]
    assert set(ConversationMessage.objects.values_list("provider_message_id", flat=True)) == {"1", "3"}


def test_single_receivers_of_chatwoot_message_hear_every_message_of_a_batch():
    connection = ConnectionFactory(provider="chatwoot")
    heard = []

    def receiver(sender, payload, **kwargs):
        heard.append(payload["id"])

    signals.chatwoot_message.connect(receiver, dispatch_uid="test.batch_handlers")
    try:
        process_together([message(connection, n) for n in (1, 2, 3)])
    finally:
        signals.chatwoot_message.disconnect(dispatch_uid="test.batch_handlers")
    assert heard == [1, 2, 3]


@pytest.fixture
def only_the_knowledge_feed_listening(monkeypatch):
    """What is counted is the inbox's and the knowledge feed's work, not other apps' receivers."""
    for signal in (signals.chatwoot_message, signals.chatwoot_messages):
        own = [receiver for receiver in signal.receivers if str(receiver[0][0]).startswith("knowledge.")]
        monkeypatch.setattr(signal, "receivers", own)


def queries_for(count, offset):
    connection = ConnectionFactory(provider="chatwoot")
    events = [message(connection, offset + n, conversation=n) for n in range(count)]
    with CaptureQueriesContext(db) as captured:
        assert set(process_together(events)) == {"processed"}
    return len(captured)


def test_a_batchs_queries_do_not_grow_with_its_size(only_the_knowledge_feed_listening):
    assert queries_for(30, 1000) == queries_for(5, 2000)


def test_runs_of_one_type_are_cut_only_by_a_type_that_does_not_commute():
    class Event:
        def __init__(self, number, provider, event_type):
            self.pk, self.provider, self.event_type = number, provider, event_type

    events = [
        Event(1, "meta", "message"),
        Event(2, "meta", "status"),
        Event(3, "meta", "message"),
        Event(4, "chatwoot", "message_created"),
        Event(5, "chatwoot", "conversation_status_changed"),
        Event(6, "chatwoot", "message_created"),
    ]
    runs = [[event.pk for event in run] for run in processing.groups(events)]
    assert runs == [[1, 3], [2], [4], [5], [6]]
