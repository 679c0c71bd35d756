"""A batch of Chatwoot messages leaves exactly the drafts that the same messages leave one at a time
(supersede, out of order, redelivered, agents' replies and commands in between, inboxes not read),
with a fixed number of statements whatever the batch's size, and its drafting tasks published from
one hook once the inbox's transaction commits."""

import logging
from datetime import timedelta

import pytest
from django.db import connection as db
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.drafts import batch_services, services
from apps.drafts.models import AIDraft
from apps.integrations import processing
from tests.integrations.factories import InboundEventFactory
from tests.knowledge.factories import SourceFactory

pytestmark = pytest.mark.django_db
S = AIDraft.Status


def customer(number, conversation, inbox=1):
    return {
        "id": number,
        "content": f"question {number}",
        "message_type": "incoming",
        "created_at": 1764500000 + number,
        "sender": {"id": 40 + conversation, "name": "Ada", "type": "contact"},
        "conversation": {"id": conversation, "inbox_id": inbox},
    }


def agent(number, conversation, content="Here you are.", private=False):
    return {
        "id": number,
        "content": content,
        "message_type": "outgoing",
        "private": private,
        "created_at": 1764500000 + number,
        "sender": {"id": 9, "name": "Kim", "type": "user"},
        "conversation": {"id": conversation, "inbox_id": 1},
    }


def bot(number, conversation):
    return {**agent(number, conversation), "sender": {"id": 1, "name": "Bot", "type": "agent_bot"}}


SCENARIO = [
    customer(10, 1),  # supersedes the stored open draft of message 5, queues its own
    customer(12, 1),  # supersedes the draft of 10 queued just before
    customer(11, 1),  # out of order: 12 has a draft, so none
    customer(20, 2),  # conversation 2 has a draft of a newer message (100): none
    customer(30, 3, inbox=2),  # an inbox the settings leave out: none
    bot(31, 3),  # means nothing to drafts
    agent(13, 1),  # answered by hand: supersedes the draft of 12
    customer(14, 1),  # queued
    customer(14, 1),  # delivered again: the same draft
    agent(41, 4, "/reject not needed", private=True),  # rejects the stored proposed draft of 40
    customer(42, 4),
    customer(43, 5),
]


def drafting_source(**settings):
    source = SourceFactory()
    services.update_settings(source, by="tests", enabled=True, inbox_ids=[1], **settings)
    for conversation, message_id, status in ((1, 5, S.PROPOSED), (2, 100, S.PUBLISHED), (4, 40, S.PROPOSED)):
        stored(source, conversation, message_id, status)
    return source


def stored(source, conversation, message_id, status):
    return AIDraft.objects.create(
        tenant=source.tenant,
        project=source.project,
        source=source,
        conversation_id=conversation,
        inbox_id=1,
        message_id=message_id,
        message_text="earlier",
        message_at=timezone.now() - timedelta(hours=1),
        status=status,
        text="A draft." if status != S.QUEUED else "",
    )


def events(source, payloads):
    return [
        InboundEventFactory(
            connection=source.connection,
            event_type="message_created",
            payload=payload,
            external_id=f"message_created:{payload['id']}:{n}",
        )
        for n, payload in enumerate(payloads)
    ]


def drafts_of(source):
    rows = AIDraft.objects.filter(source=source).order_by("conversation_id", "message_id")
    return list(rows.values_list("conversation_id", "message_id", "status", "status_reason", "contact_id"))


def test_a_batch_leaves_the_drafts_one_message_at_a_time_leaves(caplog):
    caplog.set_level(logging.INFO, logger="opsdesk.inbox")
    one_by_one, together = drafting_source(), drafting_source()

    for event in events(one_by_one, SCENARIO):
        assert processing.process(event.pk) == "processed"
    batch = events(together, SCENARIO)
    outcomes = processing.process_batch([event.pk for event in batch])

    assert set(outcomes.values()) == {"processed"}
    assert "one at a time after the batch failed" not in caplog.text
    assert drafts_of(together) == drafts_of(one_by_one)
    assert [(m, status) for _c, m, status, *_rest in drafts_of(together)] == [
        (5, S.SUPERSEDED),
        (10, S.SUPERSEDED),
        (12, S.SUPERSEDED),
        (14, S.QUEUED),
        (100, S.PUBLISHED),
        (40, S.REJECTED),
        (42, S.QUEUED),
        (43, S.QUEUED),
    ]


def test_sources_without_drafts_or_inactive_get_none_and_every_drafting_source_gets_its_own():
    source = drafting_source()
    off = SourceFactory(tenant=source.tenant, connection=source.connection)
    services.update_settings(off, by="tests", enabled=False)
    inactive = SourceFactory(tenant=source.tenant, connection=source.connection, is_active=False)
    services.update_settings(inactive, by="tests", enabled=True)
    second = SourceFactory(tenant=source.tenant, connection=source.connection)
    services.update_settings(second, by="tests", enabled=True)

    queued = batch_services.on_chatwoot_messages(source.connection, [customer(50, 6), customer(51, 7)])

    assert queued == 4
    assert set(AIDraft.objects.filter(message_id__in=[50, 51]).values_list("source", flat=True)) == {
        source.pk,
        second.pk,
    }


def test_the_drafting_tasks_of_a_batch_are_published_from_one_hook(django_capture_on_commit_callbacks):
    source = drafting_source()
    with django_capture_on_commit_callbacks() as hooks:
        batch_services.on_chatwoot_messages(source.connection, [customer(60 + n, n) for n in range(10, 20)])
    assert len(hooks) == 1 and AIDraft.objects.filter(status=S.QUEUED).count() == 10


def test_the_drafts_part_of_a_batch_takes_five_statements_whatever_its_size(django_assert_max_num_queries):
    source = drafting_source()
    payloads = [customer(1000 + n, 1 + n % 10) for n in range(40)]
    with django_assert_max_num_queries(5):
        assert batch_services.on_chatwoot_messages(source.connection, payloads) == 40


def statements_for(count, offset):
    source = drafting_source()
    batch = events(source, [customer(offset + n, offset + n % 7) for n in range(count)])
    with CaptureQueriesContext(db) as captured:
        assert set(processing.process_batch([event.pk for event in batch]).values()) == {"processed"}
    return len(captured)


def test_a_batchs_statements_with_every_receiver_do_not_grow_with_its_size():
    assert statements_for(30, 3000) == statements_for(5, 4000)
