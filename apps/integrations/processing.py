"""The work side of the inbound pipeline: claim stored events in batches, run their handlers, and end
each `processed`, `failed` (retry scheduled), `dead_lettered` or `ignored`.

Two short transactions per batch: the claim commits `processing` for up to INBOX_BATCH_SIZE rows
(`FOR UPDATE SKIP LOCKED`, so concurrent workers never share a row, and a worker that dies leaves
rows the sweeper recognises as stuck); then every handler runs in its own savepoint and the final
statuses are written in bulk in the same transaction, so a handler's effect is never applied
without its event being marked, and one failing handler rolls back only its own writes.

Events of a type with a batch handler (apps.integrations.handlers.handles_batch) are handed to it
together, in one savepoint: a few set-based statements instead of a handful per event. If it
raises, that savepoint is rolled back and each of those events runs its single handler in its own
savepoint as above, so the outcomes stay independent. Order is kept wherever it matters: a batch
takes the events of its type up to the next event of a type it does not commute with."""

import logging
import traceback
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.core import backoff
from apps.core import metrics_prometheus as prom
from apps.events import emit
from apps.integrations import handlers
from apps.integrations.models import InboundEvent

logger = logging.getLogger("opsdesk.inbox")
S = InboundEvent.Status
FINAL_FIELDS = ["status", "last_error", "next_attempt_at", "processed_at", "dead_lettered_at", "updated_at"]


def process(event_id, now=None) -> str:
    """Processes one event if it is due and nobody else holds it; returns what happened."""
    return process_batch([event_id], now=now).get(event_id, "skipped")


def process_batch(event_ids=None, now=None, limit=None, fresh=False) -> dict:
    """Claims up to `limit` due events (those among `event_ids`; with `fresh`, also any event never
    attempted) and processes them; returns {event id: outcome} for the ones claimed."""
    claimed = claim_batch(now or timezone.now(), limit or settings.INBOX_BATCH_SIZE, event_ids, fresh)
    outcomes = finish_batch(claimed) if claimed else {}
    prom.count_inbox_outcomes(outcomes.values())
    return outcomes


def drain(event_ids, now=None) -> dict:
    """What a webhook's task runs: its own events plus whatever else arrived and waits, one batch at a
    time, up to INBOX_DRAIN_MAX_BATCHES; returns counts by outcome and whether more was left."""
    counts, limit = {}, settings.INBOX_BATCH_SIZE
    for _ in range(settings.INBOX_DRAIN_MAX_BATCHES):
        outcomes = process_batch(event_ids, now=now, limit=limit, fresh=True)
        for outcome in outcomes.values():
            counts[outcome] = counts.get(outcome, 0) + 1
        if len(outcomes) < limit:
            return counts
    counts["more"] = 1
    return counts


def due(now):
    return Q(status=S.RECEIVED) | Q(status=S.FAILED, next_attempt_at__lte=now)


def claim(event_id, now):
    """Marks one due event `processing` and returns its attempt number, or None when it is not due,
    already final, or locked by another worker."""
    return claim_batch(now, 1, [event_id]).get(event_id)


def claim_batch(now, limit, event_ids=None, fresh=False) -> dict:
    """Marks up to `limit` due events `processing` in one short transaction; returns {id: attempt}.
    Rows another worker holds are skipped (`skip_locked`), so two claims never share a row."""
    wanted = Q(pk__in=event_ids) if event_ids is not None else Q()
    if fresh:
        wanted |= Q(status=S.RECEIVED, attempts=0)
    with transaction.atomic():
        rows = list(
            InboundEvent.objects.select_for_update(skip_locked=True)
            .filter(due(now), wanted)
            .order_by("id")
            .values_list("id", "attempts")[:limit]
        )
        if not rows:
            return {}
        claimed = {pk: attempts + 1 for pk, attempts in rows}
        for attempt in set(claimed.values()):
            ids = [pk for pk, number in claimed.items() if number == attempt]
            InboundEvent.objects.filter(pk__in=ids).update(
                status=S.PROCESSING, attempts=attempt, processing_started_at=now, updated_at=now
            )
        return claimed


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
    return finish_batch({event_id: attempt})[event_id]


@dataclass
class Outcomes:
    """The final state of each event in a batch, written in bulk once every handler has run."""

    by_id: dict = field(default_factory=dict)
    processed: list = field(default_factory=list)
    changed: list = field(default_factory=list)


def finish_batch(claimed: dict) -> dict:
    """Runs the handler of every claimed event still held by this claim (same attempt number) and
    writes the outcomes; returns {event id: outcome} ("superseded" when someone else moved it)."""
    outcomes = Outcomes(by_id=dict.fromkeys(claimed, "superseded"))
    with transaction.atomic():
        events = (
            InboundEvent.objects.select_for_update(of=("self",))
            .select_related("connection", "tenant")
            .filter(pk__in=list(claimed))
            .order_by("id")
        )
        held = [event for event in events if event.status == S.PROCESSING and event.attempts == claimed[event.pk]]
        for group in groups(held):
            run_group(group, outcomes)
        save(outcomes)
    return outcomes.by_id


def groups(events) -> list[list]:
    """The events in runs of one provider and type, in order of their first event. A run is closed
    by an event of the same provider whose type does not commute with it."""
    runs, open_runs = [], {}
    for event in events:
        key = (event.provider, event.event_type)
        for other in [k for k in open_runs if k[0] == event.provider]:
            if not handlers.commute(event.provider, event.event_type, other[1]):
                del open_runs[other]
        if key not in open_runs:
            open_runs[key] = []
            runs.append(open_runs[key])
        open_runs[key].append(event)
    return runs


def run_group(events, outcomes):
    batch_handler = handlers.find_batch(events[0].provider, events[0].event_type)
    if batch_handler is not None and len(events) > 1 and run_together(batch_handler, events):
        outcomes.processed.extend(event.pk for event in events)
        outcomes.by_id.update(dict.fromkeys((event.pk for event in events), S.PROCESSED))
        return
    for event in events:
        outcomes.by_id[event.pk] = run(event, outcomes)


def run_together(batch_handler, events) -> bool:
    """True when the batch handler did all the events; False (nothing of it kept) when it raised."""
    try:
        with transaction.atomic():
            batch_handler(events)
    except Exception as exc:
        logger.info(
            "inbox: %s %s events one at a time after the batch failed: %s", len(events), events[0].provider, exc
        )
        return False
    return True


def run(event, outcomes) -> str:
    handler = handlers.find(event.provider, event.event_type)
    if handler is None:
        return _end(event, outcomes, S.IGNORED, error=f"No handler for {event.provider} {event.event_type!r}.")
    try:
        with transaction.atomic():
            handler(event)
    except Exception as exc:
        logger.warning("inbox: %s %s failed: %s", event.provider, event.pk, exc)
        return _fail(event, outcomes, exc)
    outcomes.processed.append(event.pk)
    return S.PROCESSED


def save(outcomes):
    """One UPDATE for the processed events (the common case), one bulk update for the others."""
    now = timezone.now()
    if outcomes.processed:
        InboundEvent.objects.filter(pk__in=outcomes.processed).update(
            status=S.PROCESSED, last_error="", next_attempt_at=None, processed_at=now, updated_at=now
        )
    if outcomes.changed:
        for event in outcomes.changed:
            event.updated_at = now
        InboundEvent.objects.bulk_update(outcomes.changed, FINAL_FIELDS)


def _end(event, outcomes, status, error=""):
    event.status, event.last_error, event.next_attempt_at = status, error, None
    event.processed_at = timezone.now()
    outcomes.changed.append(event)
    return status


def retry_schedule() -> list[int]:
    return list(settings.INBOX_RETRY_SCHEDULE)


def next_delay(attempts_done: int) -> float | None:
    """Seconds until the next attempt (with ±20 % jitter), or None when attempts are used up."""
    schedule = retry_schedule()
    if attempts_done >= len(schedule):
        return None
    return backoff.jittered(schedule[attempts_done], spread=0.2)


def _fail(event, outcomes, exc):
    event.last_error = f"{type(exc).__name__}: {exc}\n" + "".join(traceback.format_exception(exc)[-2:])
    outcomes.changed.append(event)
    delay = next_delay(event.attempts)
    if delay is None:
        return _dead_letter(event)
    event.status, event.next_attempt_at = S.FAILED, timezone.now() + timezone.timedelta(seconds=delay)
    if delay <= settings.INBOX_COUNTDOWN_MAX_S:
        transaction.on_commit(lambda: _enqueue_retry(event.pk, delay))
    return S.FAILED


def _enqueue_retry(event_id, delay):
    from apps.integrations.inbox import enqueue

    enqueue([event_id], countdown=delay or None)


def _dead_letter(event):
    event.status, event.dead_lettered_at, event.next_attempt_at = S.DEAD_LETTERED, timezone.now(), None
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
