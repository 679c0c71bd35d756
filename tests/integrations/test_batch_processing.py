"""Processing in batches: one claim takes up to INBOX_BATCH_SIZE due events, each event's outcome is
its own (a failing handler rolls back only its writes and keeps its retry schedule), duplicate and
concurrent drains never process an event twice, and a worker killed mid-batch loses nothing."""

import json
import threading
from datetime import timedelta

import pytest
from django.db import connection as db_connection
from django.test import Client
from django.utils import timezone

from apps.core import db_context
from apps.events.models import SystemEvent
from apps.integrations import inbox, processing
from apps.integrations import services as integration_services
from apps.integrations.handlers import handles
from apps.integrations.jobs import sweep_inbox
from apps.integrations.models import InboundEvent, Reservation
from tests.integrations import signing
from tests.integrations.factories import ConnectionFactory, InboundEventFactory
from tests.integrations.services import OwnRedis, Worker, publishing_to, wait_until

S = InboundEvent.Status
PMS_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


@handles("waha", "test.batch")
def writing_handler(event):
    """Writes one reservation, then fails when the payload says so (the write must roll back)."""
    Reservation.objects.create(
        tenant_id=event.tenant_id,
        connection_id=event.connection_id,
        external_id=f"batch-{event.pk}-{event.attempts}",
        guest_name="batch handler",
    )
    if event.payload.get("fail"):
        raise RuntimeError("downstream unavailable")


@pytest.fixture(autouse=True)
def small_batches(settings):
    settings.INBOX_BATCH_SIZE = 5
    settings.INBOX_RETRY_SCHEDULE = [0, 60]


def make_events(count, connection=None, **payload):
    connection = connection or ConnectionFactory(provider="waha")
    return [
        InboundEventFactory(connection=connection, event_type="test.batch", payload=dict(payload)) for _ in range(count)
    ]


def written(event):
    return Reservation.objects.filter(external_id__startswith=f"batch-{event.pk}-").count()


def test_a_claim_takes_at_most_a_batch_of_due_events_oldest_first(db):
    events = make_events(7)
    first = processing.claim_batch(timezone.now(), 5)
    second = processing.claim_batch(timezone.now(), 5)
    assert list(first) == [event.pk for event in events[:5]]
    assert list(second) == [event.pk for event in events[5:]]
    assert set(first.values()) == {1}
    assert InboundEvent.objects.filter(status=S.PROCESSING).count() == 7


def test_a_claim_skips_events_not_yet_due_and_final_ones(db):
    waiting, done, due = make_events(3)
    later = timezone.now() + timedelta(minutes=5)
    InboundEvent.objects.filter(pk=waiting.pk).update(status=S.FAILED, attempts=1, next_attempt_at=later)
    InboundEvent.objects.filter(pk=done.pk).update(status=S.PROCESSED)
    assert processing.claim_batch(timezone.now(), 5) == {due.pk: 1}


def test_one_failing_handler_in_a_batch_leaves_the_others_processed(db):
    good, bad, other = make_events(3)
    InboundEvent.objects.filter(pk=bad.pk).update(payload={"fail": True})
    outcomes = processing.process_batch([good.pk, bad.pk, other.pk])
    assert outcomes == {good.pk: S.PROCESSED, bad.pk: S.FAILED, other.pk: S.PROCESSED}
    bad.refresh_from_db()
    assert (bad.status, bad.attempts, written(bad)) == (S.FAILED, 1, 0)
    assert "downstream unavailable" in bad.last_error
    assert bad.next_attempt_at > timezone.now() + timedelta(seconds=40)
    assert [written(good), written(other)] == [1, 1]
    good.refresh_from_db()
    assert (good.last_error, good.processed_at is not None) == ("", True)


def test_a_handler_out_of_attempts_is_dead_lettered_with_an_event_beside_processed_ones(db, settings):
    settings.INBOX_RETRY_SCHEDULE = [0]
    good, bad = make_events(2)
    InboundEvent.objects.filter(pk=bad.pk).update(payload={"fail": True})
    assert processing.process_batch([good.pk, bad.pk]) == {good.pk: S.PROCESSED, bad.pk: S.DEAD_LETTERED}
    bad.refresh_from_db()
    assert (bad.status, bad.dead_lettered_at is not None) == (S.DEAD_LETTERED, True)
    assert SystemEvent.objects.get(code="WAHA_WEBHOOK_DEAD_LETTERED").inbound_event == bad


def test_an_event_nobody_handles_is_ignored_in_a_batch(db):
    (event,) = make_events(1)
    InboundEvent.objects.filter(pk=event.pk).update(event_type="test.unknown")
    assert processing.process_batch([event.pk]) == {event.pk: S.IGNORED}
    event.refresh_from_db()
    assert event.last_error == "No handler for waha 'test.unknown'."


def test_a_drain_takes_its_own_events_and_other_fresh_ones_a_batch_at_a_time(db):
    events = make_events(12)
    counts = processing.drain([events[-1].pk])
    assert counts == {S.PROCESSED: 12}
    assert all(written(event) == 1 for event in events)


def test_a_drain_leaves_events_waiting_for_their_retry_time(db):
    (waiting,) = make_events(1)
    later = timezone.now() + timedelta(minutes=5)
    InboundEvent.objects.filter(pk=waiting.pk).update(status=S.FAILED, attempts=1, next_attempt_at=later)
    assert processing.drain([waiting.pk]) == {}


def test_a_duplicate_drain_finds_nothing_to_do(db):
    events = make_events(3)
    ids = [event.pk for event in events]
    assert processing.drain(ids) == {S.PROCESSED: 3}
    assert processing.drain(ids) == {}
    assert all(written(event) == 1 for event in events)


def test_a_drain_stopped_at_its_limit_says_more_is_left(db, settings):
    settings.INBOX_DRAIN_MAX_BATCHES = 2
    make_events(11)
    assert processing.drain([]) == {S.PROCESSED: 10, "more": 1}
    assert processing.drain([]) == {S.PROCESSED: 1}


def test_enqueue_publishes_one_task_per_batch_and_counts_the_events(db, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    events = make_events(12)
    assert inbox.enqueue([event.pk for event in events]) == 12
    assert InboundEvent.objects.filter(status=S.PROCESSED).count() == 12


def test_a_failed_event_in_a_batch_is_retried_on_its_schedule(db, settings, django_capture_on_commit_callbacks):
    settings.INBOX_RETRY_SCHEDULE = [0, 0, 0]
    settings.CELERY_TASK_ALWAYS_EAGER = True
    (event,) = make_events(1, fail=True)
    with django_capture_on_commit_callbacks(execute=True):
        processing.process_batch([event.pk])
    event.refresh_from_db()
    assert (event.status, event.attempts) == (S.DEAD_LETTERED, 3)


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_drains_process_each_event_once():
    events = make_events(60)
    errors = []

    def drain():
        try:
            with db_context.platform_context():  # a thread starts with no context; workers act so
                processing.drain([])
        except Exception as exc:
            errors.append(exc)
        finally:
            db_connection.close()

    threads = [threading.Thread(target=drain) for _ in range(20)]
    [thread.start() for thread in threads]
    [thread.join() for thread in threads]
    assert errors == []
    assert InboundEvent.objects.filter(status=S.PROCESSED, attempts=1).count() == 60
    assert Reservation.objects.filter(guest_name="batch handler").count() == 60
    assert all(written(event) == 1 for event in events)


@pytest.fixture
def redis():
    server = OwnRedis().start()
    yield server
    server.stop()


@pytest.fixture
def worker_processes():
    started = []

    def start(broker_url, **env):
        worker = Worker(broker_url, **env).start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def post_slow(client, pms, webhook_id, sleep):
    body = json.dumps({"type": "test.slow", "data": {"reservation_id": webhook_id}, "sleep": sleep}).encode()
    headers = signing.pms_headers(PMS_SECRET, body, msg_id=webhook_id)
    return client.post(f"/webhooks/pms/{pms.pk}/", data=body, content_type="application/json", **headers)


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_batch_leaves_every_event_of_the_batch_to_be_processed_once(
    tenant, redis, worker_processes, settings
):
    pms = integration_services.create_connection(tenant, "pms", secret=PMS_SECRET)
    client = Client()
    with publishing_to(redis.url):
        answers = [post_slow(client, pms, f"msg_batch_{n}", sleep=30 if n == 0 else 0).status_code for n in range(5)]
    assert answers == [200] * 5
    worker = worker_processes(redis.url)
    wait_until(
        lambda: InboundEvent.objects.filter(status=S.PROCESSING).count() == 5, what="the worker to claim the batch"
    )
    worker.kill()
    assert Reservation.objects.filter(external_id__startswith="run-").count() == 0

    settings.INBOX_STUCK_AFTER_S = 0
    slow = InboundEvent.objects.get(external_id="msg_batch_0")
    InboundEvent.objects.filter(pk=slow.pk).update(payload={**slow.payload, "sleep": 0})
    worker_processes(redis.url)
    with publishing_to(redis.url):
        assert sweep_inbox()["released_stuck"] == 5
    wait_until(lambda: InboundEvent.objects.filter(status=S.PROCESSED).count() == 5, what="the batch to be processed")
    for event in InboundEvent.objects.all():
        assert event.attempts == 2
        assert Reservation.objects.filter(external_id__startswith=f"run-{event.pk}-").count() == 1
    db_connection.close()


@pytest.mark.services
def test_deliveries_publish_one_drain_until_it_starts(redis):
    import redis as redis_client

    queue = redis_client.Redis.from_url(redis.url)
    with publishing_to(redis.url) as app:
        assert all(inbox.enqueue_drain([n]) for n in range(1, 6))
        assert queue.llen("celery") == 1
        inbox.drain_pending(app).clear()
        assert inbox.enqueue_drain([6])
    assert queue.llen("celery") == 2
