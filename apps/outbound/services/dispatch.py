"""Sending: claim a queued message, run preflight once more, wait for the contact's spacing and
the connection's token bucket, send through the provider's client outside any transaction,
record the attempt and move the message on by how the answer was classified.

Safe to run twice for one message: the claim takes the row with SKIP LOCKED and only from
`queued`, so a duplicate task finds nothing to do."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.core import backoff
from apps.events import audit, emit
from apps.integrations import http
from apps.outbound import pacing, preflight, senders, states
from apps.outbound.models import OutboundAttempt, OutboundMessage, Status
from apps.outbound.services import connections, messages, policies
from apps.outbound.services.common import SEND_FAIL_CODE, enqueue
from apps.tenants import usage
from apps.tenants.models import UsageCounter

PAUSED = "CONNECTION_PAUSED"


@dataclass
class Claim:
    result: str
    message: OutboundMessage | None = None


def dispatch(message_id, now=None) -> str:
    """Sends one message if it is queued and due; returns what happened (sent, failed, queued,
    deferred, held, skipped, not_due, or the refusal's status)."""
    claim = _claim(message_id, now or timezone.now())
    if claim.message is None:
        return claim.result
    return finish(claim.message, senders.send(claim.message))


def _claim(message_id, now) -> Claim:
    with transaction.atomic():
        message = (
            OutboundMessage.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("tenant__plan", "connection")
            .filter(pk=message_id, status=Status.QUEUED)
            .first()
        )
        if message is None:
            return Claim("skipped")
        if message.next_attempt_at and message.next_attempt_at > now:
            return Claim("not_due")
        if message.connection.is_sending_paused:
            hold(message, now)
            return Claim("held")
        return _preflight_and_pace(message, now)


def _preflight_and_pace(message, now) -> Claim:
    contact = policies.locked_policy(message.tenant, message.channel, message.contact_id, message.contact_name)
    facts = preflight.facts(message, contact, now)
    verdict = preflight.decide(facts)
    if not verdict.allowed:
        messages.refuse(message, verdict, now)
        return Claim(verdict.status)
    connection = message.connection
    wait = pacing.contact_wait(contact, now) or pacing.take(
        pacing.connection_key(connection), pacing.pace_for(connection.provider), now
    )
    if wait:
        states.annotate(message, next_attempt_at=now + timedelta(seconds=wait))
        enqueue([message.pk], countdown=wait)
        return Claim("deferred")
    policies.reserve(contact, facts.window_s, now)
    states.transition(
        message,
        Status.SENDING,
        now=now,
        attempts=message.attempts + 1,
        next_attempt_at=None,
        round_attempts=message.round_attempts + 1,
        preflight_code=verdict.code,
        preflight_reason=verdict.reason,
        preflight_at=now,
    )
    return Claim("sending", message)


def hold(message, now) -> None:
    connection = message.connection
    since = f" since {connection.sending_paused_at:%Y-%m-%d %H:%M} UTC" if connection.sending_paused_at else ""
    states.annotate(
        message,
        preflight_code=PAUSED,
        preflight_at=now,
        next_attempt_at=None,
        preflight_reason=(
            f"Sending on {connection.name} is paused{since}: {connection.sending_paused_reason} The message waits and "
            "goes out when sending is resumed."
        )[:500],
    )


def finish(message, outcome, now=None) -> str:
    now = now or timezone.now()
    with transaction.atomic():
        message = (
            OutboundMessage.objects.select_for_update(of=("self",))
            .select_related("tenant", "connection")
            .get(pk=message.pk)
        )
        handler = {
            http.SUCCESS: _sent,
            http.RETRYABLE: _retry_or_fail,
            http.PERMANENT: _failed,
            http.AUTH: _credentials_rejected,
        }[outcome.kind]
        return handler(message, outcome, now)


def _attempt(message, outcome, now, next_attempt_at=None) -> OutboundAttempt:
    attempt = attempt_row(message, outcome, now, next_attempt_at)
    attempt.save()
    return attempt


def attempt_row(message, outcome, now, next_attempt_at=None) -> OutboundAttempt:
    """The attempt record of a send, not yet saved (the batch dispatcher saves many at once)."""
    return OutboundAttempt(
        tenant_id=message.tenant_id,
        message=message,
        number=message.attempts,
        outcome=outcome.kind,
        status_code=outcome.status_code,
        error_code=outcome.error_code[:40],
        error_title=outcome.error_title[:500],
        provider_message_id=outcome.provider_message_id[:255],
        latency_ms=outcome.latency_ms,
        retry_after_s=outcome.retry_after,
        next_attempt_at=next_attempt_at,
        request_summary=outcome.request_summary,
        created_at=now,
    )


def _sent(message, outcome, now) -> str:
    _attempt(message, outcome, now)
    states.transition(
        message,
        Status.SENT,
        now=now,
        provider_message_id=outcome.provider_message_id,
        last_error="",
        last_error_code="",
    )
    usage.increment(message.tenant, UsageCounter.Metric.MESSAGES_SENT, now=now)
    audit.record(
        "outbound.sent",
        actor_label="dispatch",
        tenant=message.tenant,
        target=message,
        after={"provider_message_id": outcome.provider_message_id, "attempt": message.attempts},
    )
    return Status.SENT


def _retry_or_fail(message, outcome, now) -> str:
    if message.round_attempts >= settings.OUTBOUND_MAX_ATTEMPTS:
        return _failed(message, outcome, now, exhausted=True)
    delay = backoff.backoff_seconds(
        message.round_attempts,
        base=settings.OUTBOUND_BACKOFF_BASE_S,
        cap=settings.OUTBOUND_BACKOFF_MAX_S,
        retry_after=outcome.retry_after,
    )
    at = now + timedelta(seconds=delay)
    _attempt(message, outcome, now, next_attempt_at=at)
    policies.release(message)
    states.transition(
        message,
        Status.QUEUED,
        now=now,
        next_attempt_at=at,
        last_error_code=outcome.error_code[:40],
        last_error=f"{outcome.error} Retrying at {at:%Y-%m-%d %H:%M:%S} UTC "
        f"(attempt {message.round_attempts} of {settings.OUTBOUND_MAX_ATTEMPTS}).",
    )
    enqueue([message.pk], countdown=delay)
    return Status.QUEUED


def _failed(message, outcome, now, exhausted=False) -> str:
    _attempt(message, outcome, now)
    policies.release(message)
    error = outcome.error + (f" Gave up after {message.round_attempts} attempts." if exhausted else "")
    states.transition(message, Status.FAILED, now=now, last_error=error, last_error_code=outcome.error_code[:40])
    emit(
        SEND_FAIL_CODE[message.channel],
        tenant=message.tenant,
        source="outbound.dispatch",
        message=f"Message #{message.pk} to {message.contact_id} failed: {error}",
        meta={
            "outbound_message_id": message.pk,
            "provider_error_code": outcome.error_code,
            "status_code": outcome.status_code,
            "attempts": message.attempts,
        },
    )
    audit.record(
        "outbound.failed",
        actor_label="dispatch",
        tenant=message.tenant,
        target=message,
        reason=error,
        after={"error_code": outcome.error_code, "status_code": outcome.status_code},
    )
    return Status.FAILED


def _credentials_rejected(message, outcome, now) -> str:
    """Meta code 190: nothing on this connection can succeed until the token is replaced. The
    connection's sending pauses (one META_TOKEN_EXPIRED for the pause); this message and every
    other one on the connection wait, queued with the reason, and nothing is marked failed."""
    _attempt(message, outcome, now)
    policies.release(message)
    connections.pause_for_credentials(message.connection, outcome, now)
    message.connection.refresh_from_db()
    states.transition(
        message, Status.QUEUED, now=now, last_error=outcome.error, last_error_code=outcome.error_code[:40]
    )
    hold(message, now)
    return "held"


def process_due(tenant=None, now=None, limit=None) -> dict:
    """What `POST /api/v1/outbound/process/` and the `outbound.process_due` job do: capped messages
    whose window ended go through preflight again, sends lost with a worker are failed, and queued
    messages that are due are handed to dispatch."""
    now = now or timezone.now()
    released = _release_capped(tenant, now)
    stuck = _fail_stuck(tenant, now)
    due = _due_ids(tenant, now, limit or settings.OUTBOUND_PROCESS_BATCH)
    enqueue(due)
    return {"due": len(due), "released": released, "stuck_failed": stuck}


def _scoped(tenant):
    rows = OutboundMessage.objects.all()
    return rows.for_tenant(tenant) if tenant is not None else rows


def _due_ids(tenant, now, limit) -> list:
    return list(
        _scoped(tenant)
        .filter(status=Status.QUEUED, connection__sending_paused_at__isnull=True)
        .exclude(next_attempt_at__gt=now)
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )


def _release_capped(tenant, now) -> int:
    capped = _scoped(tenant).filter(status=Status.FREQUENCY_CAPPED, next_attempt_at__lte=now)
    released = 0
    for message_id in capped.values_list("id", flat=True)[: settings.OUTBOUND_PROCESS_BATCH]:
        with transaction.atomic():
            message = (
                OutboundMessage.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("tenant__plan", "connection")
                .filter(pk=message_id, status=Status.FREQUENCY_CAPPED)
                .first()
            )
            if message is not None:
                released += messages.queue(message, now).status == Status.QUEUED
    return released


def _fail_stuck(tenant, now) -> int:
    cutoff = now - timedelta(seconds=settings.OUTBOUND_SENDING_STUCK_S)
    failed = 0
    for message_id in (
        _scoped(tenant).filter(status=Status.SENDING, sending_at__lt=cutoff).values_list("id", flat=True)[:500]
    ):
        outcome = http.Outcome(
            http.PERMANENT,
            error_code="outcome_unknown",
            error_title=(
                f"No result was recorded within {settings.OUTBOUND_SENDING_STUCK_S} s of sending (the worker stopped); "
                "the provider may have accepted it, check before retrying."
            ),
        )
        with transaction.atomic():
            message = (
                OutboundMessage.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("tenant", "connection")
                .filter(pk=message_id, status=Status.SENDING)
                .first()
            )
            if message is not None:
                failed += _failed(message, outcome, now) == Status.FAILED
    return failed
