"""Inbound silence: a connection that usually receives traffic and has received nothing for
SILENCE_GAP_MULTIPLE times its usual gap.

Its usual rate is learnt per hour of the week (UTC) from the last SILENCE_LOOKBACK_DAYS of inbound
events, in one aggregate query for every connection. A gap is "N times the usual one" when the
hours it covers usually bring N events, so a quiet night at a hotel is not a silence and the
same hours on a busy afternoon are. `decide` is a pure function over a frozen `Traffic`;
`check` records each silence once (an open `InboundSilence`), emits META_WEBHOOK_TIMEOUT (Meta) or
INBOUND_SILENCE, and closes it when traffic resumes; incidents listen to the signals."""

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay
from django.utils import timezone

from apps.events import emit
from apps.health import signals
from apps.health.models import InboundSilence
from apps.integrations.models import Connection, InboundEvent, Provider

HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class Traffic:
    """A connection's inbound events since `since` (the lookback's start), counted per hour of the
    week (0 = Monday 00h)."""

    connection_id: object
    since: datetime
    last_received_at: datetime
    per_hour_of_week: Mapping[int, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.per_hour_of_week.values())


@dataclass(frozen=True)
class Rules:
    lookback_days: int
    min_events: int
    gap_multiple: float

    @classmethod
    def from_settings(cls):
        return cls(settings.SILENCE_LOOKBACK_DAYS, settings.SILENCE_MIN_EVENTS, settings.SILENCE_GAP_MULTIPLE)


@dataclass(frozen=True)
class Verdict:
    silent: bool
    expected_events: float


def hour_of_week(at: datetime) -> int:
    at = at.astimezone(UTC)
    return at.weekday() * 24 + at.hour


def _hours(start: datetime, end: datetime):
    """(hour of week, fraction of that hour) for each clock hour between start and end."""
    at = start
    while at < end:
        hour_end = min(at.replace(minute=0, second=0, microsecond=0) + HOUR, end)
        yield hour_of_week(at), (hour_end - at) / HOUR
        at = hour_end


def occurrences(start: datetime, end: datetime) -> Counter:
    """How many times each hour of the week was seen between start and end."""
    seen = Counter()
    for hour, _fraction in _hours(start.replace(minute=0, second=0, microsecond=0), end):
        seen[hour] += 1
    return seen


def expected_events(traffic: Traffic, now: datetime) -> float:
    """How many events the hours since the last one usually bring (partial hours prorated). An
    hour's usual rate is learnt from the time before the silence, so the silence does not dilute it."""
    seen = occurrences(traffic.since, traffic.last_received_at)
    return sum(
        traffic.per_hour_of_week.get(hour, 0) / max(seen[hour], 1) * fraction
        for hour, fraction in _hours(traffic.last_received_at, now)
    )


def decide(traffic: Traffic, now: datetime, rules: Rules) -> Verdict:
    """Silent when the connection usually receives traffic and its quiet time usually brings at
    least `gap_multiple` events."""
    if traffic.total < rules.min_events:
        return Verdict(False, 0.0)
    expected = expected_events(traffic, now)
    return Verdict(expected >= rules.gap_multiple, expected)


def traffic_by_connection(now: datetime, rules: Rules) -> dict:
    """Every active connection's `Traffic` over the lookback, from one aggregate query."""
    since = now - timedelta(days=rules.lookback_days)
    rows = (
        InboundEvent.objects.filter(received_at__gte=since, connection__is_active=True)
        .annotate(weekday=ExtractIsoWeekDay("received_at", tzinfo=UTC), hour=ExtractHour("received_at", tzinfo=UTC))
        .values("connection_id", "weekday", "hour")
        .annotate(events=Count("id"), last=Max("received_at"))
        .order_by()
    )
    counts, last = {}, {}
    for row in rows:
        pk = row["connection_id"]
        counts.setdefault(pk, {})[(row["weekday"] - 1) * 24 + row["hour"]] = row["events"]
        last[pk] = max(last.get(pk, row["last"]), row["last"])
    return {pk: Traffic(pk, since, last[pk], counts[pk]) for pk in counts}


def check(now=None, rules=None) -> dict:
    """Opens a silence for each newly silent connection and resolves those whose traffic resumed."""
    now, rules = now or timezone.now(), rules or Rules.from_settings()
    traffic = traffic_by_connection(now, rules)
    open_silences = {s.connection_id: s for s in InboundSilence.objects.filter(resolved_at__isnull=True)}
    found = {"connections": len(traffic), "silent": 0, "resumed": 0}
    for pk, seen in traffic.items():
        silence = open_silences.get(pk)
        if silence and seen.last_received_at > silence.last_received_at:
            found["resumed"] += _resolve(silence, seen.last_received_at, now)
        elif not silence:
            verdict = decide(seen, now, rules)
            found["silent"] += verdict.silent and _open(pk, seen, verdict, now)
    return found


def code_for(connection) -> str:
    return "META_WEBHOOK_TIMEOUT" if connection.provider == Provider.META else "INBOUND_SILENCE"


def _open(connection_id, traffic, verdict, now) -> bool:
    connection = Connection.objects.select_related("tenant").get(pk=connection_id)
    try:
        with transaction.atomic():
            silence = InboundSilence.objects.create(
                connection=connection,
                tenant=connection.tenant,
                last_received_at=traffic.last_received_at,
                expected_events=round(verdict.expected_events, 1),
                detected_at=now,
            )
    except IntegrityError:
        return False
    emit(
        code_for(connection),
        tenant=connection.tenant,
        source="health.silence",
        message=(
            f"{connection} has received nothing since {traffic.last_received_at:%Y-%m-%d %H:%M} UTC; "
            f"those hours usually bring {verdict.expected_events:.0f} events."
        ),
        meta={"connection_id": str(connection.pk), "expected_events": round(verdict.expected_events, 1)},
    )
    signals.inbound_silent.send(sender=InboundSilence, silence=silence, now=now)
    return True


def _resolve(silence, received_at, now) -> bool:
    updated = InboundSilence.objects.filter(pk=silence.pk, resolved_at__isnull=True).update(resolved_at=now)
    if updated:
        silence.resolved_at = now
        signals.inbound_resumed.send(sender=InboundSilence, silence=silence, received_at=received_at, now=now)
    return bool(updated)
