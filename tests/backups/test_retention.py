"""Retention keeps the newest backup of each of the last 7 days, 4 ISO weeks and 6 months (UTC)."""

from datetime import UTC, datetime, timedelta

import pytest

from apps.backups.retention import Policy, Taken, decide


def nightly(first, days, hour=2):
    start = datetime.fromisoformat(first).replace(hour=hour, tzinfo=UTC)
    return [Taken(n, start + timedelta(days=n)) for n in range(days)]


def kept_dates(backups):
    kept = decide(backups, Policy())
    return {taken.at.date().isoformat(): kept[taken.id] for taken in backups if taken.id in kept}


def test_a_week_of_nightly_backups_is_all_kept():
    backups = nightly("2026-11-01", 7)
    assert len(decide(backups, Policy())) == 7


@pytest.mark.parametrize(
    "date, reasons",
    [
        ("2026-12-03", ["daily", "weekly", "monthly"]),  # the newest: a Thursday, December
        ("2026-11-27", ["daily"]),  # the 7th newest day
        ("2026-11-26", None),  # the 8th newest day, and not the last of its week or month
        ("2026-11-29", ["daily", "weekly"]),  # Sunday, last day of ISO week 48
        ("2026-11-22", ["weekly"]),  # Sunday of week 47
        ("2026-11-15", ["weekly"]),  # Sunday of week 46
        ("2026-11-08", None),  # week 45 would be the 5th week
        ("2026-11-30", ["daily", "monthly"]),  # last of November
        ("2026-10-31", ["monthly"]),
        ("2026-07-31", ["monthly"]),  # December, November, October, September, August, July: six months
        ("2026-06-30", None),  # the 7th month
        ("2026-06-01", None),
    ],
)
def test_half_a_year_of_nightly_backups(date, reasons):
    backups = nightly("2026-06-01", 186)  # 2026-06-01 .. 2026-12-03
    assert backups[-1].at.date().isoformat() == "2026-12-03"
    assert kept_dates(backups).get(date) == reasons


def test_half_a_year_keeps_at_most_daily_plus_weekly_plus_monthly():
    kept = decide(nightly("2026-06-01", 186), Policy())
    assert len(kept) <= 7 + 4 + 6
    assert len(kept) == 13  # 7 days, 2 more weeks (22nd, 15th), 4 more months (Oct .. Jul)


def test_several_backups_a_day_keep_the_newest_of_the_day():
    start = datetime(2026, 12, 3, 1, tzinfo=UTC)
    backups = [Taken(n, start + timedelta(hours=n)) for n in range(5)]
    assert decide(backups, Policy(daily=1, weekly=0, monthly=0)) == {4: ["daily"]}


def test_the_newest_is_kept_even_when_the_policy_keeps_nothing():
    backups = nightly("2026-12-01", 3)
    assert decide(backups, Policy(daily=0, weekly=0, monthly=0)) == {2: ["newest"]}


def test_gaps_count_days_that_have_a_backup():
    """A missed night does not shorten the history: the 7 newest days that have a backup are kept."""
    backups = [taken for taken in nightly("2026-11-20", 14) if taken.at.day % 2 == 0]
    kept = decide(backups, Policy(daily=7, weekly=0, monthly=0))
    assert sorted(kept) == [taken.id for taken in backups][-7:]


def test_no_backups_keeps_nothing():
    assert decide([], Policy()) == {}


def test_times_are_bucketed_in_utc():
    late = datetime(2026, 12, 2, 23, 30, tzinfo=UTC)
    paris = late.astimezone(datetime.fromisoformat("2026-01-01T00:00+01:00").tzinfo)  # 00:30 on the 3rd there
    backups = [Taken(1, paris), Taken(2, late + timedelta(minutes=10))]
    assert decide(backups, Policy(daily=1, weekly=0, monthly=0)) == {2: ["daily"]}
