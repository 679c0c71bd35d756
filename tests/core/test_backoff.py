"""apps.core.backoff: Retry-After as RFC 9110 writes it, and jitter that stays in its bounds."""

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from apps.core.backoff import backoff_seconds, jittered, retry_after_seconds

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("value, seconds", [("120", 120.0), ("0", 0.0), ("-5", 0.0), (" 7 ", 7.0), (3, 3.0)])
def test_retry_after_as_delta_seconds(value, seconds):
    assert retry_after_seconds(value, now=NOW) == seconds


def test_retry_after_as_an_http_date_is_the_seconds_until_then():
    assert retry_after_seconds(format_datetime(NOW + timedelta(seconds=90), usegmt=True), now=NOW) == 90.0
    assert retry_after_seconds("Sun, 01 Mar 2026 12:02:00 GMT", now=NOW) == 120.0


def test_retry_after_as_an_http_date_in_the_past_is_now():
    assert retry_after_seconds("Sun, 01 Mar 2026 11:00:00 GMT", now=NOW) == 0.0


def test_retry_after_without_a_zone_is_read_as_utc():
    assert retry_after_seconds("Sun, 01 Mar 2026 12:00:30 -0000", now=NOW) == 30.0


@pytest.mark.parametrize("value", [None, "", "soon", "Sun, 99 Foo"])
def test_retry_after_absent_or_unreadable_is_none(value):
    assert retry_after_seconds(value, now=NOW) is None


def test_retry_after_date_counts_from_the_real_clock_by_default():
    ahead = format_datetime(datetime.now(UTC) + timedelta(seconds=60), usegmt=True)
    assert 55 <= retry_after_seconds(ahead) <= 60


@pytest.mark.parametrize("attempt, low, high", [(1, 1, 2), (2, 2, 4), (3, 4, 8), (4, 5, 10), (9, 5, 10)])
def test_backoff_is_half_fixed_half_random_and_capped(attempt, low, high):
    rng = random.Random(attempt)
    delays = [backoff_seconds(attempt, base=2, cap=10, rng=rng) for _ in range(300)]
    assert low <= min(delays) and max(delays) <= high
    assert max(delays) - min(delays) > (high - low) / 2, "the delays spread out"


def test_backoff_is_never_sooner_than_retry_after():
    assert backoff_seconds(1, base=2, cap=10, retry_after=45) == 45
    assert 1 <= backoff_seconds(1, base=2, cap=10, retry_after=0.5) <= 2


@pytest.mark.parametrize("seconds", [5, 300, 1800])
def test_jitter_stays_within_its_spread(seconds):
    rng = random.Random(seconds)
    delays = [jittered(seconds, spread=0.2, rng=rng) for _ in range(300)]
    assert seconds * 0.8 <= min(delays) and max(delays) <= seconds * 1.2
    assert min(delays) < seconds < max(delays)


def test_no_wait_stays_no_wait():
    assert jittered(0) == 0.0
