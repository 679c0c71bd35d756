"""Each provider's circuit breaker, kept in `ProviderCircuit` rows so every web and worker process
sees the same state.

Closed: calls go through; AI_CIRCUIT_FAILURES failures in a row open it. Open: the provider is
skipped without a network call until `open_until`. Then one caller claims the half-open probe with a
conditional UPDATE (only one process wins it); its success closes the circuit, its failure opens it
for another cooldown. A probe whose process died is reclaimed once it is older than a call could
take. Every change is a conditional UPDATE, so concurrent processes never both open or close it,
and each change is an event (AI_PROVIDER_CIRCUIT_OPEN / _CLOSED) for the Error Center."""

from datetime import timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from apps.ai.models import ProviderCircuit
from apps.events import emit

State = ProviderCircuit.State
CLEAN, ALLOWED, SHUT = "clean", "allowed", "shut"


def circuit_for(provider: str) -> ProviderCircuit:
    circuit, _ = ProviderCircuit.objects.get_or_create(provider=provider)
    return circuit


def allow(provider: str, now=None) -> bool:
    """May this call use `provider`? True when closed, or when this caller won the half-open probe."""
    return admit(provider, now) != SHUT


def admit(provider: str, now=None, *, known: ProviderCircuit | None = None) -> str:
    """CLEAN (closed, no failures: a success needs no write), ALLOWED (closed with failures, or this
    caller's half-open probe) or SHUT (skip the provider). `known`: the circuit's row as this call
    already read it (the gateway's snapshot), so deciding a closed circuit costs no query; claiming
    a probe is still a conditional UPDATE, so two processes never both probe."""
    now = now or timezone.now()
    circuit = known or circuit_for(provider)
    if circuit.state == State.CLOSED:
        return ALLOWED if circuit.consecutive_failures else CLEAN
    return ALLOWED if _may_probe(provider, circuit, now) else SHUT


def _may_probe(provider, circuit, now) -> bool:
    if circuit.state == State.OPEN:
        return circuit.open_until is None or (circuit.open_until <= now and _claim_probe(provider, now))
    return circuit.updated_at <= now - _probe_lifetime() and _reclaim_probe(provider, circuit.updated_at, now)


def record_success(provider: str) -> None:
    """The provider answered: close its circuit (an event if it was not closed) and reset failures."""
    rows = ProviderCircuit.objects.filter(provider=provider)
    if rows.exclude(state=State.CLOSED).update(
        state=State.CLOSED, consecutive_failures=0, open_until=None, updated_at=timezone.now()
    ):
        emit(
            "AI_PROVIDER_CIRCUIT_CLOSED",
            message=f"{provider} answered again; its circuit is closed.",
            meta={"provider": provider},
        )
    else:
        rows.filter(consecutive_failures__gt=0).update(consecutive_failures=0)


def record_failure(provider: str, error, now=None) -> None:
    """The provider failed: a failed probe reopens the circuit; otherwise one more failure in a row,
    and the one that reaches the threshold opens it."""
    now = now or timezone.now()
    rows = ProviderCircuit.objects.filter(provider=provider)
    opening = {"state": State.OPEN, "opened_at": now, "open_until": now + _cooldown(), "last_error": str(error)[:1000]}
    if rows.filter(state=State.HALF_OPEN).update(**opening, updated_at=now):
        return _announce_open(provider, error, probe=True)
    rows.update(consecutive_failures=F("consecutive_failures") + 1, last_error=str(error)[:1000], updated_at=now)
    threshold = settings.AI_CIRCUIT_FAILURES
    if rows.filter(state=State.CLOSED, consecutive_failures__gte=threshold).update(**opening, updated_at=now):
        _announce_open(provider, error, probe=False)


def _claim_probe(provider, now) -> bool:
    rows = ProviderCircuit.objects.filter(provider=provider, state=State.OPEN, open_until__lte=now)
    return rows.update(state=State.HALF_OPEN, updated_at=now) == 1


def _reclaim_probe(provider, seen_at, now) -> bool:
    rows = ProviderCircuit.objects.filter(provider=provider, state=State.HALF_OPEN, updated_at=seen_at)
    return rows.update(updated_at=now) == 1


def _announce_open(provider, error, *, probe: bool):
    why = "its probe failed" if probe else f"{settings.AI_CIRCUIT_FAILURES} calls in a row failed"
    emit(
        "AI_PROVIDER_CIRCUIT_OPEN",
        message=f"{provider} is skipped for {settings.AI_CIRCUIT_COOLDOWN_S} s: {why} (last: {error})"[:1000],
        meta={"provider": provider, "error": str(error)[:500], "cooldown_s": settings.AI_CIRCUIT_COOLDOWN_S},
    )


def _cooldown() -> timedelta:
    return timedelta(seconds=settings.AI_CIRCUIT_COOLDOWN_S)


def _probe_lifetime() -> timedelta:
    """Longer than one call can take (connect, read, one short Retry-After wait, the answer)."""
    seconds = settings.AI_CONNECT_TIMEOUT_S + 2 * settings.AI_TIMEOUT_S + settings.AI_RETRY_AFTER_MAX_S + 5
    return timedelta(seconds=seconds)
