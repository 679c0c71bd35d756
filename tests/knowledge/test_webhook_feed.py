"""Chatwoot `message_created` deliveries, once the inbox processed them, feed the synced messages of
every active source of that connection (respecting its inboxes) and re-chunk the conversation."""

import pytest

from apps.integrations import processing
from apps.integrations.models import InboundEvent
from apps.knowledge import sync
from apps.knowledge.models import ChatwootConversation, ChatwootMessage, Chunk
from tests.fakes.chatwoot import FakeChatwoot
from tests.integrations.factories import InboundEventFactory
from tests.knowledge.factories import SourceFactory, synced_source

pytestmark = pytest.mark.django_db


def delivered(connection, payload, external_id=None):
    event = InboundEventFactory(
        connection=connection,
        event_type="message_created",
        payload=payload,
        external_id=external_id or f"message_created:{payload['id']}",
    )
    assert processing.process(event.pk) == "processed", InboundEvent.objects.get(pk=event.pk).last_error
    return event


def message_created(message_id, content, *, conversation_id=311, inbox_id=1, **extra):
    """As Chatwoot posts it: type by name, ISO time, the conversation and inbox alongside."""
    return {
        "event": "message_created",
        "id": message_id,
        "content": content,
        "message_type": "incoming",
        "content_type": "text",
        "private": False,
        "created_at": "2026-11-30T10:15:00.000Z",
        "sender": {"id": 5, "name": "Grace Hopper", "type": "contact"},
        "conversation": {"id": conversation_id, "inbox_id": inbox_id, "status": "open"},
        "inbox": {"id": inbox_id, "name": "Front desk"},
        "account": {"id": 1, "name": "Acme"},
        **extra,
    }


def test_a_delivered_message_is_stored_and_chunked_for_the_project():
    source = SourceFactory()

    delivered(source.connection, message_created(9001, "Is late check-out possible on Sunday?"))

    stored = ChatwootMessage.objects.get(source=source)
    assert (stored.conversation_id, stored.message_id, stored.message_type) == (311, 9001, "incoming")
    assert (stored.sender_type, stored.sender_name) == ("contact", "Grace Hopper")
    assert stored.created_at.isoformat().startswith("2026-11-30T10:15")
    assert Chunk.objects.filter(source=source, conversation_id=311).exists()


def test_every_active_source_of_the_connection_gets_it_but_not_other_inboxes_or_inactive_ones():
    everything = SourceFactory()
    tenant, connection = everything.tenant, everything.connection
    same_inbox = SourceFactory(tenant=tenant, connection=connection, inbox_ids=[1])
    other_inbox = SourceFactory(tenant=tenant, connection=connection, inbox_ids=[2])
    inactive = SourceFactory(tenant=tenant, connection=connection, is_active=False)

    delivered(connection, message_created(9002, "Do you have parking?", inbox_id=1))

    readers = set(ChatwootMessage.objects.values_list("source_id", flat=True))
    assert readers == {everything.pk, same_inbox.pk}
    assert other_inbox.pk not in readers and inactive.pk not in readers


def test_a_second_delivery_of_the_same_message_updates_its_row():
    source = SourceFactory()
    delivered(source.connection, message_created(9003, "first text"))

    delivered(source.connection, message_created(9003, "edited text"), external_id="redelivered")

    assert list(ChatwootMessage.objects.values_list("content", flat=True)) == ["edited text"]


def test_the_webhook_does_not_move_the_sync_cursor_so_the_next_sync_still_reads_it():
    with FakeChatwoot(account_id=1, token="tok") as chatwoot:
        source = synced_source(chatwoot)
        conversation = chatwoot.add_conversation()
        chatwoot.add_message(conversation["id"], "hello")
        sync.sync_source(source)
        cursor = ChatwootConversation.objects.get().last_message_id
        chatwoot.tick(120)
        new = chatwoot.add_message(conversation["id"], "a second question")

        payload = message_created(new["id"], "a second question", conversation_id=conversation["id"])
        delivered(source.connection, payload)
        assert ChatwootConversation.objects.get().last_message_id == cursor
        counts = sync.sync_source(source)

    assert counts["messages_updated"] == 1 and counts["messages_new"] == 0
    assert ChatwootMessage.objects.filter(source=source).count() == 2


def test_a_delivery_without_a_conversation_stores_nothing_here():
    source = SourceFactory()

    delivered(source.connection, {"event": "message_created", "id": 9004, "content": "hi"})

    assert not ChatwootMessage.objects.exists()


def delivered_together(connection, payloads):
    events = [
        InboundEventFactory(
            connection=connection, event_type="message_created", payload=p, external_id=f"batch:{p['id']}"
        )
        for p in payloads
    ]
    outcomes = processing.process_batch([event.pk for event in events])
    return [outcomes[event.pk] for event in events]


def test_a_batch_of_deliveries_is_stored_for_each_reading_source_and_chunked():
    everything = SourceFactory()
    connection = everything.connection
    other_inbox = SourceFactory(tenant=everything.tenant, connection=connection, inbox_ids=[2])
    payloads = [
        message_created(9101, "Is breakfast included?", conversation_id=401),
        message_created(9102, "Until what time?", conversation_id=401),
        message_created(9103, "Where do I park?", conversation_id=402, inbox_id=2),
    ]

    assert delivered_together(connection, payloads) == ["processed"] * 3

    assert set(ChatwootMessage.objects.filter(source=everything).values_list("message_id", flat=True)) == {
        9101,
        9102,
        9103,
    }
    assert list(ChatwootMessage.objects.filter(source=other_inbox).values_list("message_id", flat=True)) == [9103]
    assert set(Chunk.objects.filter(source=everything).values_list("conversation_id", flat=True)) == {401, 402}


def test_a_message_the_feed_cannot_store_fails_alone_in_its_batch():
    source = SourceFactory()
    broken = message_created(9202, "second")
    broken["id"] = "not-a-number"

    outcomes = delivered_together(source.connection, [message_created(9201, "first"), broken])

    assert outcomes == ["processed", "failed"]
    assert list(ChatwootMessage.objects.values_list("message_id", flat=True)) == [9201]
