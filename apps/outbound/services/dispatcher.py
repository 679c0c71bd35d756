"""The dispatcher of one connection: sends its due messages in batches as fast as its token bucket
allows, and no faster.

A batch: one short transaction claims up to what the bucket holds (`FOR UPDATE SKIP LOCKED
LIMIT n`), preflights the batch from set-based queries, counts each send against its contact's cap
and spacing, takes the bucket's tokens and moves the sends to `sending` in one UPDATE; the
provider is called outside any transaction (Meta's Graph API from a few threads on one
keep-alive session; WAHA and Telegram one at a time); a second transaction records the sent ones
in bulk, and each failure is recorded in its own transaction, so one bad answer never holds up
or rolls back the others.

A drain keeps its batches coming without a gap: a Meta drain claims up to
OUTBOUND_META_LOOKAHEAD_S of the pace ahead of the bucket, hands the sends to a `Sender` whose
`Pacer` lets one request out every 1/pace s (its slot is the message's `sent_at`), and records a
batch once its answers are in, while the next batch is already claimed and being sent.

Locks are taken in the order the single-message `dispatch` takes them (messages, contact
policies by id, then the bucket), so the two paths can run side by side. A duplicate run finds
the rows locked or no longer queued; a worker that dies leaves rows in `sending` that the
`outbound.process_due` sweeper fails as `outcome_unknown`, never sends twice."""

import math
import threading
import time
from collections import Counter, deque
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

MAX_IN_FLIGHT = 2


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
    """Batches until nothing is due (True) or the rest is handed to a later task (False). Each
    batch's sends go to the connection's `Sender` and are recorded once answered, so the next
    batch is claimed while the last one is still being sent (for Meta, OUTBOUND_META_LOOKAHEAD_S
    ahead of its tokens): the pace is kept without a gap between batches."""
    connection = Connection.objects.filter(pk=connection_id).first()
    if connection is None:
        return True
    with Sender(connection) as sender:
        return _pipeline(connection, sender, deadline, results)


def _pipeline(connection, sender, deadline, results) -> bool:
    in_flight, ahead = deque(), lookahead(connection)
    try:
        while True:
            connection.refresh_from_db(fields=["sending_paused_at"])
            batch = claim(connection, timezone.now(), settings.OUTBOUND_DISPATCH_BATCH, ahead=ahead)
            results.update(batch.results)
            if batch.sending:
                in_flight.append(sender.submit(batch.sending))
            while in_flight and (in_flight[0].done() or len(in_flight) > MAX_IN_FLIGHT):
                results.update(in_flight.popleft().record())
            if batch.done:
                return True
            if batch.sending:
                continue
            if batch.wait > settings.OUTBOUND_DISPATCH_MAX_SLEEP_S or time.monotonic() + batch.wait > deadline:
                enqueue_connection(connection.pk, countdown=max(batch.wait, 0.001))
                return False
            time.sleep(batch.wait)
    finally:
        while in_flight:
            results.update(in_flight.popleft().record())


def lookahead(connection) -> float:
    """How many tokens ahead of the bucket a Meta drain may claim (0 for other providers)."""
    if connection.provider != "meta":
        return 0.0
    return settings.OUTBOUND_META_LOOKAHEAD_S * pacing.pace_for(connection.provider).rate


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


def run_batch(connection_id, limit=None, now=None) -> Batch:
    """One batch on the connection: claim, send, record; the sends go out as the bucket allowed
    them, without a `Pacer` (a drain spaces them). `now` is the claim's clock (the bucket refills
    up to it)."""
    connection = Connection.objects.filter(pk=connection_id).first()
    if connection is None:
        return Batch(done=True)
    batch = claim(connection, now or timezone.now(), limit or settings.OUTBOUND_DISPATCH_BATCH)
    if batch.sending:
        with Sender(connection, paced=False) as sender:
            batch.results.update(sender.submit(batch.sending).record())
    return batch


def claim(connection, now, limit, ahead=0.0) -> Batch:
    """The claiming transaction: what may go now moves to `sending`, the rest keeps its place.
    With `ahead`, up to that many tokens not yet in the bucket are taken too (their sends wait for
    their turn in the `Pacer`), and nothing is claimed until half of them can be."""
    key, pace = pacing.connection_key(connection), pacing.pace_for(connection.provider)
    tokens = pacing.peek(key, pace, now)
    least = max(1.0, ahead / 2)
    wanted = min(limit, pacing.whole(tokens + ahead))
    if wanted < min(limit, least):
        return Batch(wait=pacing.wait_for(tokens + ahead, pace, need=min(limit, least)))
    with transaction.atomic():
        due = _claim_due(connection, now, wanted)
        if not due:
            return Batch(done=True)
        if connection.is_sending_paused:
            return _hold(due, now)
        batch = _admit(due, key, pace, now, ahead)
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


def _admit(due, key, pace, now, ahead=0.0) -> Batch:
    """Preflights each claimed message in order, as the single path would one after another:
    refusals are stored, a contact still in its spacing waits, and sends are admitted while the
    bucket (locked last) has tokens; messages past that keep their place in the queue."""
    loaded = batch_preflight.load(due, now, lock=True)
    tokens = pacing.locked_tokens(key, pace, now)
    batch, sent_by_tenant = Batch(), Counter()
    for message in due:
        if len(batch.sending) >= pacing.whole(tokens + ahead):
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
        batch.wait = pacing.wait_for(tokens + ahead, pace)
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


class Pacer:
    """Spaces one run's requests to a Meta number at least 1/pace apart, whichever thread makes
    them, so no second holds more sends than the pace however the batches fall; each send's time
    is its slot (the request goes out then, or a few milliseconds later)."""

    def __init__(self, rate):
        # a whole microsecond more than 1/rate: stamps are stored to the microsecond and stay apart
        self.interval = math.ceil(1e6 / rate + 1) / 1e6 if rate else 0.0
        self.started, self.next_at = timezone.now(), time.monotonic()
        self.origin = self.next_at
        self.lock = threading.Lock()

    def turn(self):
        """Waits for the next slot and returns it as a wall-clock time."""
        with self.lock:
            slot = max(time.monotonic(), self.next_at)
            self.next_at = slot + self.interval
        if slot > time.monotonic():
            time.sleep(slot - time.monotonic())
        return self.started + timedelta(microseconds=round((slot - self.origin) * 1e6))


class Sender:
    """Calls the provider for one run: Meta's Graph API from OUTBOUND_META_SEND_THREADS threads on
    one keep-alive session, paced by a `Pacer`; WAHA and Telegram one at a time (their buckets
    space them)."""

    def __init__(self, connection, paced=True):
        meta = connection.provider == "meta"
        self.pool = ThreadPoolExecutor(settings.OUTBOUND_META_SEND_THREADS if meta else 1)
        self.pacer = Pacer(pacing.pace_for(connection.provider).rate if meta and paced else 0)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.pool.shutdown(wait=True)

    def submit(self, sending) -> "InFlight":
        return InFlight(sending, [self.pool.submit(self._send, message) for message in sending])

    def _send(self, message):
        at = self.pacer.turn()
        return senders.send(message), at


@dataclass
class InFlight:
    """A claimed batch whose sends are under way."""

    sending: list
    futures: list

    def done(self) -> bool:
        return all(future.done() for future in self.futures)

    def record(self) -> Counter:
        answers = [future.result() for future in self.futures]
        stamps = {message.pk: at for message, (_outcome, at) in zip(self.sending, answers, strict=True)}
        return record(self.sending, [outcome for outcome, _at in answers], timezone.now(), stamps)


def send_all(connection, sending) -> list:
    """The provider's answers, in order (see `Sender`)."""
    with Sender(connection, paced=False) as sender:
        return [future.result()[0] for future in sender.submit(sending).futures]


def record(sending, outcomes, now, stamps=None) -> Counter:
    """Sent ones in one transaction with bulk writes (`sent_at` from `stamps`, {id: time of the
    request}, where given); every other answer through the single path's `finish`, each in its own
    transaction."""
    pairs = list(zip(sending, outcomes, strict=True))
    sent = [(message, outcome) for message, outcome in pairs if outcome.kind == http.SUCCESS]
    results = Counter()
    if sent:
        _record_sent(sent, now, stamps or {})
        results[Status.SENT] += len(sent)
    for message, outcome in pairs:
        if outcome.kind != http.SUCCESS:
            results[finish(message, outcome, now)] += 1
    return results


def _record_sent(sent, now, stamps) -> None:
    ids = {message.pk: outcome.provider_message_id for message, outcome in sent}
    sent_at = {message.pk: stamps.get(message.pk, now) for message, _ in sent}
    with transaction.atomic():
        OutboundAttempt.objects.bulk_create([attempt_row(message, outcome, now) for message, outcome in sent])
        states.transition_many(
            [message for message, _ in sent],
            Status.SENT,
            now=now,
            each={"provider_message_id": ids, "sent_at": sent_at},
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
