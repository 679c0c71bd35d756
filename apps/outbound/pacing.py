"""Pacing: a token bucket per connection, kept in a database row so every worker process shares
it (PostgreSQL or the embedded SQLite), and at most one message per contact every
OUTBOUND_CONTACT_INTERVAL_S seconds. WAHA sends slower, and each send leaves the bucket a random
extra debt (up to OUTBOUND_WAHA_JITTER_S seconds of refill), so its sends are spaced unevenly, as
a person's would be, and never closer than the interval.

Call `take` inside the transaction that claims the message: the bucket row stays locked until
the claim commits, and a claim that rolls back gives its token back."""

import math
import random
from dataclasses import dataclass

from django.conf import settings
from django.db.models import DateTimeField, F, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from apps.outbound.models import SendBucket

# Waits are whole milliseconds rounded up, and a bucket short of a token by less than this
# (float rounding) has it: waiting the returned time always yields the token.
TOKEN_EPSILON = 1e-6


@dataclass(frozen=True)
class Pace:
    rate: float  # tokens per second
    capacity: float  # the largest burst
    jitter_s: float = 0.0

    def debt(self, rng=random) -> float:
        """The random extra a send costs on top of its token (0 without jitter)."""
        return rng.uniform(0, self.jitter_s) * self.rate if self.jitter_s else 0.0


def pace_for(provider) -> Pace:
    if provider == "waha":
        rate = 1.0 / settings.OUTBOUND_WAHA_INTERVAL_S
        return Pace(rate, 1.0, settings.OUTBOUND_WAHA_JITTER_S)
    if provider == "telegram":
        return Pace(settings.OUTBOUND_TELEGRAM_RATE_PER_S, settings.OUTBOUND_TELEGRAM_RATE_PER_S)
    return Pace(
        settings.OUTBOUND_META_RATE_PER_S, max(1.0, settings.OUTBOUND_META_BURST or settings.OUTBOUND_META_RATE_PER_S)
    )


def take(key, pace: Pace, now=None, rng=random) -> float:
    """Takes one send's tokens from bucket `key`: 0.0 when taken, else the seconds to wait."""
    now = now or timezone.now()
    tokens = locked_tokens(key, pace, now)
    if tokens < 1.0 - TOKEN_EPSILON:
        return wait_for(tokens, pace)
    spend(key, pace, 1, tokens, now, rng)
    return 0.0


def locked_tokens(key, pace: Pace, now) -> float:
    """The tokens bucket `key` holds at `now`, its row locked until the caller's transaction ends."""
    return _refilled(_locked(key, pace, now), pace, now)


def peek(key, pace: Pace, now) -> float:
    """The tokens bucket `key` holds at `now`, read without a lock: how many sends are worth claiming."""
    bucket = SendBucket.objects.filter(key=key).first()
    return pace.capacity if bucket is None else _refilled(bucket, pace, now)


def whole(tokens: float) -> int:
    """How many sends `tokens` pay for."""
    return max(0, math.floor(tokens + TOKEN_EPSILON))


def spend(key, pace: Pace, count: int, tokens: float, now, rng=random) -> None:
    """Takes `count` sends' tokens (and WAHA's random debt for each) from the locked bucket holding
    `tokens`. The refill clock never goes back (a claim that read the time before another's commit
    would otherwise be credited that time twice)."""
    if count:
        debt = sum(pace.debt(rng) for _ in range(count))
        refilled_at = Greatest(F("refilled_at"), Value(now, output_field=DateTimeField()))
        SendBucket.objects.filter(key=key).update(tokens=tokens - count - debt, refilled_at=refilled_at)


def wait_for(tokens: float, pace: Pace, need: float = 1.0) -> float:
    """Seconds (whole milliseconds, rounded up) until a bucket holding `tokens` has `need`."""
    return math.ceil(max(0.0, need - tokens) / pace.rate * 1000) / 1000


def _refilled(bucket, pace, now) -> float:
    elapsed = max(0.0, (now - bucket.refilled_at).total_seconds())
    return min(pace.capacity, bucket.tokens + elapsed * pace.rate)


def _locked(key, pace, now) -> SendBucket:
    SendBucket.objects.bulk_create([SendBucket(key=key, tokens=pace.capacity, refilled_at=now)], ignore_conflicts=True)
    return SendBucket.objects.select_for_update().get(key=key)


def connection_key(connection) -> str:
    return f"connection:{connection.pk}"


def contact_wait(contact_policy, now) -> float:
    """Seconds until this contact may get the next message (0.0: now). A send stamped after `now`
    (another worker's, while this one waited for the contact's lock) counts as just now."""
    if contact_policy.last_sent_at is None:
        return 0.0
    elapsed = max(0.0, (now - contact_policy.last_sent_at).total_seconds())
    return max(0.0, settings.OUTBOUND_CONTACT_INTERVAL_S - elapsed)
