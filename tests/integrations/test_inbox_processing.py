"""Processing stored events: handlers run once per claim, failures retry on the schedule and end
dead-lettered with an event, replays bring events back, the sweeper catches what was left."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.events.models import SystemEvent
from apps.integrations import processing
from apps.integrations.handlers import handles
from apps.integrations.jobs import sweep_inbox
from apps.integrations.models import InboundEvent
from tests.integrations.factories import InboundEventFactory

S = InboundEvent.Status
CALLS = []


@handles("waha", "test.flaky")
def flaky_handler(event):
    CALLS.append(event.pk)
    if len(CALLS) <= event.payload.get("fail_times", 0):
        raise RuntimeError(f"downstream unavailable (call {len(CALLS)})")


@pytest.fixture(autouse=True)
def fresh_calls(settings):
    CALLS.clear()
    settings.INBOX_RETRY_SCHEDULE = [0, 0, 0, 0, 0]


def flaky(fail_times):
    return InboundEventFactory(event_type="test.flaky", payload={"fail_times": fail_times})


def process_until_final(event, limit=10):
    for _ in range(limit):
        processing.process(event.pk)
        event.refresh_from_db()
        if event.is_final:
            return event
    return event


def test_handler_failing_three_times_then_succeeding_ends_processed_with_four_attempts(db):
    event = process_until_final(flaky(fail_times=3))
    assert (event.status, event.attempts, len(CALLS)) == (S.PROCESSED, 4, 4)
    assert event.last_error == ""


def test_handler_that_always_fails_is_dead_lettered_with_an_event(db):
    event = process_until_final(flaky(fail_times=99))
    assert (event.status, event.attempts) == (S.DEAD_LETTERED, 5)
    assert "downstream unavailable" in event.last_error
    dead_letter = SystemEvent.objects.get(code="WAHA_WEBHOOK_DEAD_LETTERED")
    assert dead_letter.inbound_event == event and dead_letter.tenant == event.tenant


def test_failed_event_waits_for_its_retry_time(db, settings):
    settings.INBOX_RETRY_SCHEDULE = [0, 300]
    event = flaky(fail_times=1)
    assert processing.process(event.pk) == S.FAILED
    event.refresh_from_db()
    assert event.next_attempt_at > timezone.now() + timedelta(seconds=200)
    assert processing.process(event.pk) == "skipped"
    assert processing.process(event.pk, now=event.next_attempt_at + timedelta(seconds=1)) == S.PROCESSED


def test_retry_delays_follow_the_schedule_with_jitter(settings):
    settings.INBOX_RETRY_SCHEDULE = [0, 5, 300, 1800]
    delays = [processing.next_delay(attempts) for attempts in range(5)]
    assert delays[0] == 0 and 4 <= delays[1] <= 6 and 240 <= delays[2] <= 360 and 1440 <= delays[3] <= 2160
    assert delays[4] is None


def test_event_without_a_handler_is_ignored(db):
    event = InboundEventFactory(event_type="presence.update")
    assert processing.process(event.pk) == S.IGNORED
    event.refresh_from_db()
    assert "No handler" in event.last_error


def test_processed_event_is_not_processed_again(db):
    event = flaky(fail_times=0)
    assert processing.process(event.pk) == S.PROCESSED
    assert processing.process(event.pk) == "skipped"
    assert len(CALLS) == 1


def test_sweeper_releases_events_stuck_in_processing(db, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    event = flaky(fail_times=0)
    InboundEvent.objects.filter(pk=event.pk).update(
        status=S.PROCESSING, attempts=1, processing_started_at=timezone.now() - timedelta(minutes=10)
    )
    counts = sweep_inbox()
    event.refresh_from_db()
    assert counts["released_stuck"] == 1
    assert (event.status, event.attempts) == (S.PROCESSED, 2)


def test_sweeper_enqueues_events_left_received(db):
    event = flaky(fail_times=0)
    InboundEvent.objects.filter(pk=event.pk).update(received_at=timezone.now() - timedelta(minutes=5))
    young = flaky(fail_times=0)
    counts = sweep_inbox()
    event.refresh_from_db()
    young.refresh_from_db()
    assert counts["enqueued"] == 1
    assert (event.status, young.status) == (S.PROCESSED, S.RECEIVED)


def test_a_superseded_claim_does_not_run_the_handler(db):
    event = flaky(fail_times=0)
    attempt = processing.claim(event.pk, timezone.now())
    InboundEvent.objects.filter(pk=event.pk).update(attempts=attempt + 1)
    assert processing.finish(event.pk, attempt) == "superseded"
    assert CALLS == []
