"""The dispatcher of one connection: sends its due messages in batches as fast as its token bucket
allows, and no faster.

A batch: one short transaction claims up to what the bucket holds (`FOR UPDATE SKIP LOCKED
LIMIT n`), preflights the batch from set-based queries, counts each send against its contact's cap
and spacing, takes the bucket's tokens and moves the sends to `sending` in one UPDATE; the
provider is called outside any transaction (Meta's Graph API from a few threads on one
keep-alive session; WAHA and Telegram one at a time); a second transaction records the sent ones
in bulk, and each failure is recorded in its own transaction, so one bad answer never holds up
or rolls back the others.

Locks are taken in the order the single-message `dispatch` takes them (messages, contact
policies by id, then the bucket), so the two paths can run side by side. A duplicate run finds
the rows locked or no longer queued; a worker that dies leaves rows in `sending` that the
`outbound.process_due` sweeper fails as `outcome_unknown`, never sends twice."""

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.events import audit
from apps.integrations import http
from apps.integrations.models import Connection
from apps.outbound import batch_preflight, pacing, preflight, senders, states
from apps.outbound.models import OutboundAttempt, OutboundMessage, Status
from apps.outbound.services import messages, policies
from apps.outbound.services.common import enqueue, enqueue_connection
from apps.outbound.services.dispatch import attempt_row, finish, hold
from apps.tenants import usage
from apps.tenants.models import UsageCounter


@dataclass
class Batch:
    results: Counter = field(default_factory=Counter)
    sending: list = field(default_factory=list)
    wait: float = 0.0  # seconds until the bucket has a token again (nothing was claimed)
    done: bool = False  # nothing due, or the connection is paused: stop draining


def dispatch_queued(message_id) -> dict:
    """What a message's dispatch task does: drains the message's connection (sending this message
    if it is due, with the others); a message that moved on or is gone finds nothing to do."""
    connection_id = (
        OutboundMessage.objects.filter(pk=message_id, status=Status.QUEUED)
        .values_list("connection_id", flat=True)
        .first()
    )
    return drain(connection_id) if connection_id else {"skipped": 1}


def drain(connection_id, budget_s=None) -> dict:
    """Sends the connection's due messages batch after batch until none is due, for at most
    `budget_s` seconds (OUTBOUND_DISPATCH_RUN_S); a bucket wait longer than
    OUTBOUND_DISPATCH_MAX_SLEEP_S, or the budget spent, hands the rest to a later task. One run
    drains a connection at a time (a session advisory lock on PostgreSQL, let go if the worker
    dies): a run that finds one under way leaves it the work, so a second worker process takes
    another connection instead of splitting this one's pace. Returns how many messages ended in
    each result."""
    budget_s = settings.OUTBOUND_DISPATCH_RUN_S if budget_s is None else budget_s
    results, deadline = Counter(), time.monotonic() + budget_s
    while True:
        with draining(connection_id) as mine:
            if not mine:
                return dict(results, busy=1)
            finished = _drain(connection_id, deadline, results)
        if not finished or not _has_due(connection_id):
            return dict(results)


def _drain(connection_id, deadline, results) -> bool:
    """Batches until nothing is due (True) or the rest is handed to a later task (False)."""
    while True:
        batch = run_batch(connection_id)
        results.update(batch.results)
        if batch.done:
            return True
        if batch.wait > settings.OUTBOUND_DISPATCH_MAX_SLEEP_S or time.monotonic() + batch.wait > deadline:
            enqueue_connection(connection_id, countdown=max(batch.wait, 0.001))
            return False
        time.sleep(batch.wait)


def _has_due(connection_id) -> bool:
    """Checked after the lock is let go: a task that found the run under way just before then
    left its message to it, and this is where the run sees it."""
    due = OutboundMessage.objects.filter(connection_id=connection_id, status=Status.QUEUED)
    return due.exclude(next_attempt_at__gt=timezone.now()).exists() and not _is_paused(connection_id)


def _is_paused(connection_id) -> bool:
    return Connection.objects.filter(pk=connection_id, sending_paused_at__isnull=False).exists()


@contextmanager
def draining(connection_id):
    """Whether this process may drain the connection now (always, without PostgreSQL)."""
    if db_connection.vendor != "postgresql":
        yield True
        return
    with db_connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", [_lock_name(connection_id)])
        mine = cursor.fetchone()[0]
    try:
        yield mine
    finally:
        if mine:
            with db_connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", [_lock_name(connection_id)])


def run_batch(connection_id, limit=None) -> Batch:
    """One batch on the connection: claim, send, record."""
    connection = Connection.objects.filter(pk=connection_id).first()
    if connection is None:
        return Batch(done=True)
    batch = claim(connection, timezone.now(), limit or settings.OUTBOUND_DISPATCH_BATCH)
    if batch.sending:
        outcomes = send_all(connection, batch.sending)
        batch.results.update(record(batch.sending, outcomes, timezone.now()))
    return batch


def claim(connection, now, limit) -> Batch:
    """The claiming transaction: what may go now moves to `sending`, the rest keeps its place."""
    key, pace = pacing.connection_key(connection), pacing.pace_for(connection.provider)
    wanted = min(limit, pacing.whole(pacing.peek(key, pace, now)))
    if not wanted:
        return Batch(wait=pacing.wait_for(pacing.peek(key, pace, now), pace))
    with transaction.atomic():
        due = _claim_due(connection, now, wanted)
        if not due:
            return Batch(done=True)
        if connection.is_sending_paused:
            return _hold(due, now)
        batch = _admit(due, key, pace, now)
        _to_sending(batch.sending, now)
    return batch


def _claim_due(connection, now, wanted) -> list:
    due = list(
        OutboundMessage.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("tenant__plan")
        .filter(connection=connection, status=Status.QUEUED)
        .exclude(next_attempt_at__gt=now)
        .order_by("next_attempt_at", "id")[:wanted]
    )
    for message in due:
        message.connection = connection
    return due


def _hold(due, now) -> Batch:
    for message in due:
        hold(message, now)
    return Batch(results=Counter(held=len(due)), done=True)


def _admit(due, key, pace, now) -> Batch:
    """Preflights each claimed message in order, as the single path would one after another:
    refusals are stored, a contact still in its spacing waits, and sends are admitted while the
    bucket (locked last) has tokens; messages past that keep their place in the queue."""
    loaded = batch_preflight.load(due, now, lock=True)
    tokens = pacing.locked_tokens(key, pace, now)
    batch, sent_by_tenant = Batch(), Counter()
    for message in due:
        if len(batch.sending) >= pacing.whole(tokens):
            break
        result = _admit_one(message, loaded, sent_by_tenant[message.tenant_id], now)
        if result != "sending":
            batch.results[result] += 1
            continue
        batch.sending.append(message)
        sent_by_tenant[message.tenant_id] += 1
    pacing.spend(key, pace, len(batch.sending), tokens, now)
    policies.save_reservations(loaded.policy_of(message) for message in batch.sending)
    if not batch.sending and not batch.results:
        batch.wait = pacing.wait_for(tokens, pace)
    return batch


def _admit_one(message, loaded, sent_before, now) -> str:
    facts = batch_preflight.facts(message, loaded, sent_before)
    verdict = preflight.decide(facts)
    if not verdict.allowed:
        messages.refuse(message, verdict, now)
        return verdict.status
    contact = loaded.policy_of(message)
    wait = pacing.contact_wait(contact, now)
    if wait:
        states.annotate(message, next_attempt_at=now + timedelta(seconds=wait))
        enqueue([message.pk], countdown=wait)
        return "deferred"
    policies.count_send(contact, facts.window_s, now)
    return "sending"


def _to_sending(sending, now) -> None:
    if not sending:
        return
    states.transition_many(
        sending,
        Status.SENDING,
        now=now,
        attempts=F("attempts") + 1,
        round_attempts=F("round_attempts") + 1,
        next_attempt_at=None,
        preflight_code=preflight.ALLOWED.code,
        preflight_reason=preflight.ALLOWED.reason,
        preflight_at=now,
    )
    for message in sending:
        message.attempts, message.round_attempts = message.attempts + 1, message.round_attempts + 1


def send_all(connection, sending) -> list:
    """The provider's answers, in order. Meta's Graph API takes concurrent requests for one number
    (OUTBOUND_META_SEND_THREADS at a time, one keep-alive session); WAHA and Telegram go one by one."""
    threads = settings.OUTBOUND_META_SEND_THREADS if connection.provider == "meta" else 1
    if threads <= 1 or len(sending) == 1:
        return [senders.send(message) for message in sending]
    with ThreadPoolExecutor(min(threads, len(sending))) as pool:
        return list(pool.map(senders.send, sending))


def record(sending, outcomes, now) -> Counter:
    """Sent ones in one transaction with bulk writes; every other answer through the single path's
    `finish`, each in its own transaction."""
    pairs = list(zip(sending, outcomes, strict=True))
    sent = [(message, outcome) for message, outcome in pairs if outcome.kind == http.SUCCESS]
    results = Counter()
    if sent:
        _record_sent(sent, now)
        results[Status.SENT] += len(sent)
    for message, outcome in pairs:
        if outcome.kind != http.SUCCESS:
            results[finish(message, outcome, now)] += 1
    return results


def _record_sent(sent, now) -> None:
    ids = {message.pk: outcome.provider_message_id for message, outcome in sent}
    with transaction.atomic():
        OutboundAttempt.objects.bulk_create([attempt_row(message, outcome, now) for message, outcome in sent])
        states.transition_many(
            [message for message, _ in sent],
            Status.SENT,
            now=now,
            each={"provider_message_id": ids},
            last_error="",
            last_error_code="",
        )
        for tenant, rows in _by_tenant(message for message, _ in sent).items():
            usage.increment(tenant, UsageCounter.Metric.MESSAGES_SENT, amount=len(rows), now=now)
            after = {
                message.pk: {"provider_message_id": ids[message.pk], "attempt": message.attempts} for message in rows
            }
            audit.record_many("outbound.sent", rows, tenant=tenant, actor_label="dispatch", after=after)


def _by_tenant(sent) -> dict:
    tenants, rows = {}, {}
    for message in sent:
        tenants.setdefault(message.tenant_id, message.tenant)
        rows.setdefault(message.tenant_id, []).append(message)
    return {tenants[pk]: found for pk, found in rows.items()}


def _lock_name(connection_id) -> str:
    return f"outbound.drain:{connection_id}"
