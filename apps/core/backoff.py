"""How long to wait before trying again: exponential backoff with jitter, a retry schedule with
jitter, and the `Retry-After` header read as RFC 9110 writes it (delta-seconds or an HTTP date)."""

import random
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


def retry_after_seconds(value, now=None) -> float | None:
    """`Retry-After` as seconds: a number, or an HTTP date from now; None when absent or unreadable."""
    if value in (None, ""):
        return None
    try:
        return max(0.0, float(value))
    except (TypeError, ValueError):
        return _seconds_until(value, now)


def _seconds_until(value, now):
    try:
        moment = parsedate_to_datetime(str(value))
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())


def backoff_seconds(attempt: int, *, base: float, cap: float, retry_after: float | None = None, rng=random) -> float:
    """Exponential backoff with jitter (half fixed, half random, so retries of many messages spread
    out), never sooner than the provider's `Retry-After`."""
    ceiling = min(cap, base * 2 ** max(0, attempt - 1))
    delay = ceiling / 2 + rng.uniform(0, ceiling / 2)
    return max(delay, retry_after or 0.0)


def jittered(seconds: float, spread: float = 0.2, rng=random) -> float:
    """`seconds` moved by up to ±`spread` of itself, so retries scheduled together spread out."""
    return seconds * rng.uniform(1 - spread, 1 + spread) if seconds else 0.0
