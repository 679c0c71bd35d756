"""The work side of the inbound pipeline: claim a stored event, run its handler, and end it
`processed`, `failed` (retry scheduled), `dead_lettered` or `ignored`.

Two short transactions: the claim commits `processing` (so operators see it, and a worker that
dies leaves a row the sweeper can recognise as stuck), then the handler's writes commit together
with the final status, so a handler's effect is never applied without the event being marked."""

import logging
import traceback

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.core import backoff
from apps.events import emit
from apps.integrations import handlers
from apps.integrations.models import InboundEvent

logger = logging.getLogger("opsdesk.inbox")
S = InboundEvent.Status


def process(event_id, now=None) -> str:
    """Processes one event if it is due and nobody else holds it; returns what happened."""
    claimed = claim(event_id, now or timezone.now())
    if claimed is None:
        return "skipped"
    return finish(event_id, claimed)


def claim(event_id, now):
    """Marks a due event `processing` and returns its attempt number, or None when it is not due,
    already final, or locked by another worker (`skip_locked`)."""
    due = Q(status=S.RECEIVED) | Q(status=S.FAILED, next_attempt_at__lte=now)
    with transaction.atomic():
        event = InboundEvent.objects.select_for_update(skip_locked=True).filter(due, pk=event_id).first()
        if event is None:
            return None
        event.status, event.attempts, event.processing_started_at = S.PROCESSING, event.attempts + 1, now
        event.save(update_fields=["status", "attempts", "processing_started_at", "updated_at"])
        return event.attempts


def release_stuck(now) -> int:
    """Puts events whose worker died mid-processing (`processing` for longer than
    INBOX_STUCK_AFTER_S) back to `received`, saying so in `last_error`; returns how many."""
    cutoff = now - timezone.timedelta(seconds=settings.INBOX_STUCK_AFTER_S)
    stuck = InboundEvent.objects.filter(status=S.PROCESSING, processing_started_at__lt=cutoff)
    released = stuck.update(
        status=S.RECEIVED,
        updated_at=now,
        last_error=(
            f"Released by the sweeper at {now:%Y-%m-%d %H:%M:%S} UTC: the worker processing it stopped "
            f"(processing for more than {settings.INBOX_STUCK_AFTER_S} s)."
        ),
    )
    if released:
        logger.warning("inbox: released %s event(s) stuck in processing", released)
    return released


def finish(event_id, attempt) -> str:
    with transaction.atomic():
        event = (
            InboundEvent.objects.select_for_update(of=("self",)).select_related("connection", "tenant").get(pk=event_id)
        )
        if event.status != S.PROCESSING or event.attempts != attempt:
            return "superseded"
        handler = handlers.find(event.provider, event.event_type)
        if handler is None:
            return _end(event, S.IGNORED, error=f"No handler for {event.provider} {event.event_type!r}.")
        try:
            with transaction.atomic():
                handler(event)
        except Exception as exc:
            logger.warning("inbox: %s %s failed: %s", event.provider, event.pk, exc)
            return _fail(event, exc)
        return _end(event, S.PROCESSED)


def _end(event, status, error=""):
    event.status, event.last_error, event.next_attempt_at = status, error, None
    event.processed_at = timezone.now()
    event.save(update_fields=["status", "last_error", "next_attempt_at", "processed_at", "updated_at"])
    return status


def retry_schedule() -> list[int]:
    return list(settings.INBOX_RETRY_SCHEDULE)


def next_delay(attempts_done: int) -> float | None:
    """Seconds until the next attempt (with ±20 % jitter), or None when attempts are used up."""
    schedule = retry_schedule()
    if attempts_done >= len(schedule):
        return None
    return backoff.jittered(schedule[attempts_done], spread=0.2)


def _fail(event, exc):
    event.last_error = f"{type(exc).__name__}: {exc}\n" + "".join(traceback.format_exception(exc)[-2:])
    delay = next_delay(event.attempts)
    if delay is None:
        return _dead_letter(event)
    event.status, event.next_attempt_at = S.FAILED, timezone.now() + timezone.timedelta(seconds=delay)
    event.save(update_fields=["status", "last_error", "next_attempt_at", "updated_at"])
    if delay <= settings.INBOX_COUNTDOWN_MAX_S:
        transaction.on_commit(lambda: _enqueue_retry(event.pk, delay))
    return S.FAILED


def _enqueue_retry(event_id, delay):
    from apps.integrations.inbox import enqueue

    enqueue([event_id], countdown=delay or None)


def _dead_letter(event):
    event.status, event.dead_lettered_at, event.next_attempt_at = S.DEAD_LETTERED, timezone.now(), None
    event.save(update_fields=["status", "dead_lettered_at", "next_attempt_at", "last_error", "updated_at"])
    emit(
        f"{event.provider.upper()}_WEBHOOK_DEAD_LETTERED",
        tenant=event.tenant,
        source="integrations.inbox",
        message=f"{event.event_type} {event.external_id} failed {event.attempts} times: {first_line(event.last_error)}",
        meta={"attempts": event.attempts, "connection_id": str(event.connection_id)},
        inbound_event=event,
    )
    return S.DEAD_LETTERED


def first_line(text: str) -> str:
    return text.splitlines()[0] if text else ""
