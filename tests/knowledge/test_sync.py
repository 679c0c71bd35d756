"""The Chatwoot sync against a local Chatwoot: everything the first time, only what changed after,
each failure recorded on the source, as an event with its fix and in the job's error text."""

import pytest
from django.test import override_settings

from apps.events.models import SystemEvent
from apps.jobs.models import WorkerRun
from apps.jobs.services import run_job
from apps.knowledge import sync
from apps.knowledge.models import ChatwootConversation, ChatwootMessage, Chunk
from tests.fakes.chatwoot import SERVER_ERROR, UNAUTHORIZED, FakeChatwoot
from tests.knowledge.factories import synced_source

pytestmark = pytest.mark.django_db


@pytest.fixture
def chatwoot():
    with FakeChatwoot(account_id=3, token="tok") as fake:
        yield fake


def conversation_with(fake, *turns, status="resolved", inbox_id=1):
    conversation = fake.add_conversation(status=status, inbox_id=inbox_id)
    for kind, text in turns:
        fake.add_message(conversation["id"], text, message_type=kind)
    return conversation


def test_the_first_run_stores_every_conversation_of_every_status(chatwoot):
    conversation_with(chatwoot, ("incoming", "Can I check in early?"), ("outgoing", "Yes, from 11:00."))
    conversation_with(chatwoot, ("incoming", "Is parking free?"), status="open")
    source = synced_source(chatwoot)

    counts = sync.sync_source(source)

    assert counts["conversations_changed"] == 2 and counts["messages_new"] == 3
    assert ChatwootConversation.objects.filter(source=source).count() == 2
    stored = ChatwootMessage.objects.get(content="Yes, from 11:00.")
    assert (stored.message_type, stored.sender_type, stored.project_id) == ("outgoing", "user", source.project_id)
    assert all(chatwoot.params(r)["status"] == "all" for r in chatwoot.api_requests("conversations"))
    source.refresh_from_db()
    assert source.watermark is not None and source.last_success_at is not None


def test_the_stored_conversations_are_chunked(chatwoot):
    conversation_with(chatwoot, ("incoming", "Do you have a gluten-free menu?"), ("outgoing", "Yes, ask the waiter."))
    source = synced_source(chatwoot)

    sync.sync_source(source)

    assert Chunk.objects.filter(source=source).count() >= 1


def test_a_second_run_with_nothing_new_asks_for_one_page_and_no_messages(chatwoot):
    for n in range(3):
        conversation_with(chatwoot, ("incoming", f"question {n}"))
    source = synced_source(chatwoot)
    sync.sync_source(source)
    before = len(chatwoot.requests)

    counts = sync.sync_source(source)

    asked = chatwoot.requests[before:]
    assert [r.path.rsplit("/", 1)[-1] for r in asked] == ["conversations"]
    assert counts["messages_new"] == 0 and counts["conversations_changed"] == 0 and counts["requests"] == 1


def test_a_second_run_reads_only_the_new_messages_of_the_changed_conversation(chatwoot):
    quiet = conversation_with(chatwoot, ("incoming", "old question"))
    busy = conversation_with(chatwoot, ("incoming", "first question"), ("outgoing", "first answer"))
    source = synced_source(chatwoot)
    sync.sync_source(source)
    last_known = ChatwootConversation.objects.get(conversation_id=busy["id"]).last_message_id
    chatwoot.tick(120)
    chatwoot.add_message(busy["id"], "a follow-up")
    before = len(chatwoot.requests)

    counts = sync.sync_source(source)

    message_requests = [r for r in chatwoot.requests[before:] if r.path.endswith("/messages")]
    assert [r.path for r in message_requests] == [f"/api/v1/accounts/3/conversations/{busy['id']}/messages"]
    assert chatwoot.params(message_requests[0]) == {"after": str(last_known)}
    assert counts["messages_new"] == 1 and counts["conversations_changed"] == 1
    assert quiet["id"] not in [int(r.path.split("/")[-2]) for r in message_requests]


def test_listing_stops_at_the_first_conversation_older_than_the_watermark(chatwoot):
    for n in range(60):
        chatwoot.tick(120)
        conversation_with(chatwoot, ("incoming", f"question {n}"))
    source = synced_source(chatwoot)
    sync.sync_source(source)
    assert len(chatwoot.api_requests("conversations")) == 3
    chatwoot.tick(3600)
    conversation_with(chatwoot, ("incoming", "a new one"))
    before = len(chatwoot.api_requests("conversations"))

    with override_settings(CHATWOOT_SYNC_OVERLAP_MINUTES=10):
        counts = sync.sync_source(source)

    assert len(chatwoot.api_requests("conversations")) - before == 1
    assert counts["conversations_changed"] == 1


def test_long_conversations_are_read_100_messages_at_a_time(chatwoot):
    conversation = chatwoot.add_conversation()
    for n in range(230):
        chatwoot.add_message(conversation["id"], f"line {n}", message_type="incoming" if n % 2 else "outgoing")
    source = synced_source(chatwoot)

    counts = sync.sync_source(source)

    afters = [chatwoot.params(r)["after"] for r in chatwoot.api_requests("messages")]
    assert len(afters) == 3 and afters[0] == "0"
    assert counts["messages_new"] == 230
    assert ChatwootConversation.objects.get().last_message_id == max(
        ChatwootMessage.objects.values_list("message_id", flat=True)
    )


def test_only_the_sources_inboxes_are_listed(chatwoot):
    conversation_with(chatwoot, ("incoming", "inbox one"), inbox_id=1)
    conversation_with(chatwoot, ("incoming", "inbox two"), inbox_id=2)
    source = synced_source(chatwoot, inbox_ids=[2])

    sync.sync_source(source)

    assert list(ChatwootMessage.objects.values_list("content", flat=True)) == ["inbox two"]
    assert {chatwoot.params(r).get("inbox_id") for r in chatwoot.api_requests("conversations")} == {"2"}


def test_private_notes_and_activity_messages_are_stored_with_their_kind(chatwoot):
    conversation = chatwoot.add_conversation()
    chatwoot.add_message(conversation["id"], "Guest is a VIP", message_type="outgoing", private=True)
    chatwoot.add_message(conversation["id"], "Conversation was resolved by Grace", message_type="activity")
    source = synced_source(chatwoot)

    sync.sync_source(source)

    note = ChatwootMessage.objects.get(content="Guest is a VIP")
    activity = ChatwootMessage.objects.get(content__startswith="Conversation was resolved")
    assert note.private and note.message_type == "outgoing"
    assert activity.message_type == "activity"


def test_a_wrong_token_fails_with_the_endpoint_status_account_inbox_and_fix(chatwoot):
    source = synced_source(chatwoot)
    chatwoot.fail_next(UNAUTHORIZED)

    with pytest.raises(sync.SyncFailed) as caught:
        sync.sync_source(source)

    text = str(caught.value)
    assert "GET /api/v1/accounts/3/conversations?status=all" in text and "HTTP 401" in text
    assert "Chatwoot account 3, inbox all" in text and "check the Chatwoot API token" in text
    source.refresh_from_db()
    assert source.consecutive_failures == 1 and source.last_error == text
    event = SystemEvent.objects.get(code="CHATWOOT_SYNC_FAILED")
    assert event.tenant_id == source.tenant_id
    assert event.meta["http_status"] == 401 and event.meta["fix"].startswith("check the Chatwoot API token")


def test_a_wrong_account_says_check_chatwoot_account_id(chatwoot):
    source = synced_source(chatwoot)
    source.connection.settings["account_id"] = "99"
    source.connection.save()

    with pytest.raises(sync.SyncFailed) as caught:
        sync.sync_source(source)

    assert "HTTP 404" in str(caught.value) and "check CHATWOOT account id" in str(caught.value)


@override_settings(CHATWOOT_MAX_ATTEMPTS=1)
def test_a_failed_message_page_names_the_conversations_inbox_and_keeps_the_watermark(chatwoot):
    conversation_with(chatwoot, ("incoming", "hello"), inbox_id=4)
    source = synced_source(chatwoot)
    chatwoot.fail_next(SERVER_ERROR, only="messages")

    with pytest.raises(sync.SyncFailed) as caught:
        sync.sync_source(source)

    assert "/messages?after=0 answered HTTP 500" in str(caught.value) and "inbox 4" in str(caught.value)
    source.refresh_from_db()
    assert source.watermark is None


def test_a_success_after_failures_resets_the_count(chatwoot):
    source = synced_source(chatwoot)
    chatwoot.fail_next(UNAUTHORIZED, UNAUTHORIZED, UNAUTHORIZED)
    for _ in range(3):
        with pytest.raises(sync.SyncFailed):
            sync.sync_source(source)
    source.refresh_from_db()
    assert sync.is_failing(source)

    sync.sync_source(source)

    source.refresh_from_db()
    assert source.consecutive_failures == 0 and source.last_error == "" and not sync.is_failing(source)


def test_the_job_syncs_every_source_and_records_its_counts(chatwoot):
    conversation_with(chatwoot, ("incoming", "hello"))
    synced_source(chatwoot)
    with FakeChatwoot(account_id=5, token="other") as other:
        conversation_with(other, ("incoming", "olá"), ("outgoing", "Bom dia!"))
        synced_source(other)

        run = run_job("knowledge.sync_chatwoot", trigger="manual")

    assert run.status == WorkerRun.Status.SUCCEEDED
    assert run.counts["sources"] == 2 and run.counts["messages_new"] == 3 and run.counts["requests"] == 4


def test_the_job_syncs_one_project_when_asked(chatwoot):
    conversation_with(chatwoot, ("incoming", "hello"))
    wanted = synced_source(chatwoot)
    synced_source(chatwoot)

    run = run_job("knowledge.sync_chatwoot", params={"project_id": wanted.project_id})

    assert run.counts["sources"] == 1
    assert set(ChatwootMessage.objects.values_list("project_id", flat=True)) == {wanted.project_id}


def test_a_failing_source_fails_the_run_after_the_others_synced(chatwoot):
    conversation_with(chatwoot, ("incoming", "hello"))
    healthy = synced_source(chatwoot)
    broken = synced_source(chatwoot)
    broken.connection.set_secrets(api_token="wrong")
    broken.connection.save()

    run = run_job("knowledge.sync_chatwoot")

    assert run.status == WorkerRun.Status.FAILED
    assert "HTTP 401" in run.error and f"source {broken.pk}" in run.error
    assert ChatwootMessage.objects.filter(source=healthy).count() == 1


def test_inactive_sources_are_not_synced(chatwoot):
    conversation_with(chatwoot, ("incoming", "hello"))
    synced_source(chatwoot, is_active=False)

    counts = sync.sync_all()

    assert counts["sources"] == 0 and chatwoot.api_requests() == []


def test_three_failed_runs_in_a_row_fail_the_connections_health_monitor(chatwoot):
    from apps.health import services as health

    source = synced_source(chatwoot)
    chatwoot.fail_next(UNAUTHORIZED, UNAUTHORIZED)
    for _ in range(2):
        with pytest.raises(sync.SyncFailed):
            sync.sync_source(source)
    health.sync_monitors()
    monitor = source.connection.health_monitor
    assert health.run_monitor(monitor).result.ok

    chatwoot.fail_next(UNAUTHORIZED)
    with pytest.raises(sync.SyncFailed):
        sync.sync_source(source)
    result = health.run_monitor(monitor).result

    assert not result.ok
    assert f"knowledge sync of project {source.project.slug!r} failed 3 runs in a row" in result.detail
    assert "check the Chatwoot API token" in result.detail


@override_settings(CHATWOOT_MAX_ATTEMPTS=1)
def test_what_was_read_before_a_failure_is_stored_and_not_read_again(chatwoot):
    older = conversation_with(chatwoot, ("incoming", "first"))
    chatwoot.tick(60)
    newer = conversation_with(chatwoot, ("incoming", "second"))
    source = synced_source(chatwoot)
    chatwoot.fail_next(SERVER_ERROR, only="messages", after=1)

    with pytest.raises(sync.SyncFailed):
        sync.sync_source(source)
    assert list(ChatwootMessage.objects.values_list("content", flat=True)) == ["second"]
    before = len(chatwoot.api_requests("messages"))
    sync.sync_source(source)

    asked = [r.path for r in chatwoot.api_requests("messages")[before:]]
    assert asked == [f"/api/v1/accounts/3/conversations/{older['id']}/messages"]
    assert ChatwootMessage.objects.count() == 2 and newer["id"] != older["id"]
