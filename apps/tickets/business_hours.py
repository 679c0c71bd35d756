"""Business-hours arithmetic: pure functions over aware datetimes, no database.

A `Schedule` is either around the clock or one daily window on chosen weekdays, read in a time
zone. SLA targets are minutes of a schedule: one hour from 17:30 on a Friday, with 09:00–18:00 on
weekdays, is 09:30 on Monday. Windows are built in local time (so they follow daylight saving)
and all arithmetic is done in UTC (so an hour is always sixty minutes)."""

import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MAX_DAYS_SCANNED = 3660


@dataclass(frozen=True)
class Schedule:
    zone: str = "UTC"
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)
    start: time = time(9)
    end: time = time(18)
    always: bool = False

    def __post_init__(self):
        if self.always:
            return
        if not self.weekdays or any(day not in range(7) for day in self.weekdays):
            raise ValueError("A business-hours schedule needs at least one weekday, numbered 0 (Monday) to 6.")
        if self.start >= self.end:
            raise ValueError("Business hours must start before they end, within one day.")

    def windows(self, since):
        """The open windows, as (start, end) in UTC, from the local day of `since` onwards."""
        zone = zoneinfo.ZoneInfo(self.zone)
        first_day = since.astimezone(zone).date()
        for offset in range(MAX_DAYS_SCANNED):
            day = first_day + timedelta(days=offset)
            if day.weekday() in self.weekdays:
                yield (
                    datetime.combine(day, self.start, zone).astimezone(UTC),
                    datetime.combine(day, self.end, zone).astimezone(UTC),
                )


AROUND_THE_CLOCK = Schedule(always=True)


def add_minutes(moment: datetime, minutes: float, schedule: Schedule) -> datetime:
    """The moment `minutes` of open time after `moment`."""
    if minutes < 0:
        raise ValueError("Only whole or fractional minutes of zero or more can be added.")
    moment = moment.astimezone(UTC)
    if schedule.always or minutes == 0:
        return moment + timedelta(minutes=minutes)
    remaining = timedelta(minutes=minutes)
    for start, end in schedule.windows(moment):
        if end <= moment:
            continue
        cursor = max(start, moment)
        if remaining <= end - cursor:
            return cursor + remaining
        remaining -= end - cursor
    raise ValueError(f"{minutes} minutes do not fit in {MAX_DAYS_SCANNED} days of this schedule.")


def minutes_between(start: datetime, end: datetime, schedule: Schedule) -> float:
    """Minutes of open time from `start` to `end` (zero when `end` is not after `start`)."""
    if end <= start:
        return 0.0
    if schedule.always:
        return (end - start).total_seconds() / 60
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    total = timedelta()
    for window_start, window_end in schedule.windows(start):
        if window_start >= end:
            break
        overlap = min(window_end, end) - max(window_start, start)
        if overlap > timedelta():
            total += overlap
    return total.total_seconds() / 60


def is_open(moment: datetime, schedule: Schedule) -> bool:
    if schedule.always:
        return True
    local = moment.astimezone(zoneinfo.ZoneInfo(schedule.zone))
    return local.weekday() in schedule.weekdays and schedule.start <= local.time() < schedule.end
