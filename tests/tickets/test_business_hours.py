from datetime import UTC, datetime, time, timedelta

import pytest

from apps.tickets.business_hours import AROUND_THE_CLOCK, Schedule, add_minutes, is_open, minutes_between

BERLIN = Schedule(zone="Europe/Berlin")  # Mon–Fri 09:00–18:00


def berlin(*args):
    """A Berlin wall-clock time in November (UTC+1) as UTC."""
    return datetime(*args, tzinfo=UTC) - timedelta(hours=1)


def test_inside_hours_adds_plain_minutes():
    assert add_minutes(berlin(2026, 11, 23, 10, 0), 60, BERLIN) == berlin(2026, 11, 23, 11, 0)


def test_friday_evening_rolls_over_the_weekend():
    assert add_minutes(berlin(2026, 11, 27, 17, 30), 60, BERLIN) == berlin(2026, 11, 30, 9, 30)


def test_before_opening_starts_counting_at_opening():
    assert add_minutes(berlin(2026, 11, 24, 6, 0), 30, BERLIN) == berlin(2026, 11, 24, 9, 30)


def test_after_closing_on_friday_counts_from_monday():
    assert add_minutes(berlin(2026, 11, 27, 19, 0), 90, BERLIN) == berlin(2026, 11, 30, 10, 30)


def test_several_days_of_minutes():
    assert add_minutes(berlin(2026, 11, 23, 9, 0), 2 * 9 * 60 + 15, BERLIN) == berlin(2026, 11, 25, 9, 15)


def test_zero_minutes_is_the_same_moment_even_after_hours():
    moment = berlin(2026, 11, 28, 3, 0)
    assert add_minutes(moment, 0, BERLIN) == moment


def test_negative_minutes_are_refused():
    with pytest.raises(ValueError):
        add_minutes(berlin(2026, 11, 23, 10, 0), -1, BERLIN)


def test_around_the_clock_ignores_hours():
    moment = berlin(2026, 11, 28, 3, 0)
    assert add_minutes(moment, 60, AROUND_THE_CLOCK) == moment + timedelta(hours=1)
    assert minutes_between(moment, moment + timedelta(hours=5), AROUND_THE_CLOCK) == 300


def test_minutes_between_counts_only_open_time():
    assert minutes_between(berlin(2026, 11, 27, 17, 0), berlin(2026, 11, 30, 10, 0), BERLIN) == 120
    assert minutes_between(berlin(2026, 11, 28, 10, 0), berlin(2026, 11, 29, 10, 0), BERLIN) == 0


def test_minutes_between_is_zero_backwards():
    assert minutes_between(berlin(2026, 11, 24, 10, 0), berlin(2026, 11, 23, 10, 0), BERLIN) == 0


@pytest.mark.parametrize(
    "start,minutes", [((2026, 11, 23, 8, 0), 45), ((2026, 11, 27, 17, 59), 2), ((2026, 11, 25, 12, 34), 9 * 60 * 3 + 7)]
)
def test_add_and_between_agree(start, minutes):
    moment = berlin(*start)
    assert minutes_between(moment, add_minutes(moment, minutes, BERLIN), BERLIN) == pytest.approx(minutes)


def test_daylight_saving_change_keeps_local_opening_hours():
    # Europe/Berlin leaves summer time on Sunday 2026-10-25: Friday opens 09:00 CEST (07:00 UTC),
    # Monday opens 09:00 CET (08:00 UTC).
    friday_close = datetime(2026, 10, 23, 16, 0, tzinfo=UTC)  # 18:00 CEST
    assert add_minutes(friday_close, 30, BERLIN) == datetime(2026, 10, 26, 8, 30, tzinfo=UTC)


def test_time_zone_of_the_tenant_decides_the_day():
    tokyo = Schedule(zone="Asia/Tokyo")
    # Sunday 23:30 UTC is Monday 08:30 in Tokyo: opening is half an hour later.
    assert add_minutes(datetime(2026, 11, 22, 23, 30, tzinfo=UTC), 10, tokyo) == datetime(
        2026, 11, 23, 0, 10, tzinfo=UTC
    )


def test_weekend_only_schedule_and_is_open():
    weekend = Schedule(weekdays=(5, 6), start=time(10), end=time(12))
    assert is_open(datetime(2026, 11, 28, 11, 0, tzinfo=UTC), weekend)
    assert not is_open(datetime(2026, 11, 27, 11, 0, tzinfo=UTC), weekend)
    assert add_minutes(datetime(2026, 11, 27, 11, 0, tzinfo=UTC), 150, weekend) == datetime(
        2026, 11, 29, 10, 30, tzinfo=UTC
    )


@pytest.mark.parametrize("kwargs", [{"weekdays": ()}, {"weekdays": (7,)}, {"start": time(18), "end": time(9)}])
def test_invalid_schedules_are_refused(kwargs):
    with pytest.raises(ValueError):
        Schedule(**kwargs)
