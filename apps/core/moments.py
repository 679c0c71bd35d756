"""Reading a moment a person typed: an ISO datetime or a bare date, in the current time zone."""

from datetime import datetime, time

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime


def parse_moment(value):
    """An aware datetime for `2026-01-31T12:00:00Z`, `2026-01-31 12:00` or `2026-01-31` (midnight);
    None when `value` is neither."""
    try:
        moment = parse_datetime(value) or _midnight(parse_date(value))
    except (TypeError, ValueError):
        return None
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _midnight(day):
    return datetime.combine(day, time.min) if day else None
