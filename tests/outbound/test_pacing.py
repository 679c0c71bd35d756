"""Pacing: the per-connection token bucket lives in a database row (so every worker process
shares it), WAHA's sends are spaced unevenly, and a contact gets at most one message per 6 s."""

import random
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from apps.outbound import pacing, services
from apps.outbound.models import SendBucket, Status
from tests.outbound.conftest import queued

pytestmark = pytest.mark.django_db
T0 = timezone.now()


def take(key, pace, at, rng=random):
    with transaction.atomic():
        return pacing.take(key, pace, now=at, rng=rng)


def test_bucket_allows_a_burst_of_its_capacity_then_refills_at_its_rate():
    pace = pacing.Pace(rate=80, capacity=80)
    assert all(take("k", pace, T0) == 0 for _ in range(80))
    assert take("k", pace, T0) == pytest.approx(1 / 80, abs=0.001)
    assert take("k", pace, T0 + timedelta(seconds=0.5)) == 0  # 40 tokens came back
    assert SendBucket.objects.get(key="k").tokens == pytest.approx(39)


def test_whatsapp_cloud_defaults_to_80_per_second_and_waha_is_slower(settings):
    assert pacing.pace_for("meta").rate == 80
    assert pacing.pace_for("waha").rate == pytest.approx(1 / 3)


def test_waha_sends_are_spaced_by_the_interval_plus_random_jitter():
    pace, rng, at, gaps, last = pacing.pace_for("waha"), random.Random(7), T0, [], None
    while len(gaps) < 6:
        wait = take("waha", pace, at, rng)
        if wait == 0:
            gaps, last = gaps + ([(at - last).total_seconds()] if last else []), at
        at += timedelta(seconds=wait or 0.1)
    assert all(2.99 <= gap <= 5.01 for gap in gaps), gaps
    assert max(gaps) - min(gaps) > 0.3  # not a fixed rhythm


def test_a_contact_gets_at_most_one_message_per_six_seconds(tenant, meta, graph):
    first, second = queued(tenant, meta, body="One"), queued(tenant, meta, body="Two")
    now = timezone.now()
    assert services.dispatch(first.pk, now=now) == Status.SENT
    assert services.dispatch(second.pk, now=now + timedelta(seconds=2)) == "deferred"
    second.refresh_from_db()
    assert second.status == Status.QUEUED and second.next_attempt_at == now + timedelta(seconds=6)
    assert services.dispatch(second.pk, now=now + timedelta(seconds=6)) == Status.SENT


def test_other_contacts_are_not_held_back(tenant, meta, graph):
    messages = [queued(tenant, meta, to=f"49151000000{n:02d}") for n in range(5)]
    now = timezone.now()
    assert [services.dispatch(m.pk, now=now) for m in messages] == [Status.SENT] * 5


def test_an_empty_bucket_defers_the_message(tenant, meta, graph, settings):
    settings.OUTBOUND_META_RATE_PER_S = 1
    first, second = queued(tenant, meta, to="4915100000001"), queued(tenant, meta, to="4915100000002")
    now = timezone.now()
    assert services.dispatch(first.pk, now=now) == Status.SENT
    assert services.dispatch(second.pk, now=now) == "deferred"
    assert services.dispatch(second.pk, now=now + timedelta(seconds=1)) == Status.SENT


def test_process_due_hands_over_only_what_is_due(tenant, meta, graph, django_capture_on_commit_callbacks):
    first, second = queued(tenant, meta, body="One"), queued(tenant, meta, body="Two")
    now = timezone.now()
    services.dispatch(first.pk, now=now)
    services.dispatch(second.pk, now=now)  # deferred 6 s
    assert services.process_due(tenant=tenant, now=now)["due"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert services.process_due(tenant=tenant, now=now + timedelta(seconds=7))["due"] == 1


def test_a_send_lost_with_its_worker_fails_as_outcome_unknown(tenant, meta, graph, settings):
    from apps.outbound import states

    message = queued(tenant, meta)
    states.transition(message, Status.SENDING, now=timezone.now() - timedelta(hours=1))
    assert services.process_due(tenant=tenant)["stuck_failed"] == 1
    message.refresh_from_db()
    assert message.status == Status.FAILED and message.last_error_code == "outcome_unknown"
