"""The write side of the inbound pipeline: store a verified delivery's items once, then enqueue.

Storing comes first and is the only thing the HTTP answer waits for. Enqueueing happens after
commit and never fails the request: when the broker is down the rows wait in `received` and the
sweeper (`integrations.sweep_inbox`) enqueues them once it is back."""

import logging

import redis
from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

from apps.core import context
from apps.core.tasks import publish
from apps.integrations.delivery import request_headers
from apps.integrations.models import InboundEvent

logger = logging.getLogger("opsdesk.inbox")


def store(provider, items, request, body: bytes) -> tuple[int, int]:
    """Stores every item not stored before and enqueues the new ones; returns (stored, duplicates).

    One `INSERT … ON CONFLICT DO NOTHING RETURNING id` in autocommit: when it returns, the new rows
    are committed (durable before the 2xx) and their ids are known without a second query. A
    duplicate of a row still waiting is left to the task already enqueued (or the sweeper)."""
    rows = [build_row(provider, item, request, body) for item in items]
    new_ids = insert_new(rows)
    transaction.on_commit(lambda: enqueue_drain(new_ids))
    return len(new_ids), len(rows) - len(new_ids)


def build_row(provider, item, request, body):
    return InboundEvent(
        provider=provider,
        connection=item.connection,
        tenant_id=item.connection.tenant_id if item.connection else None,
        external_id=item.external_id[:255],
        event_type=item.event_type[:100],
        payload=item.payload,
        headers=request_headers(request),
        raw_body=body.decode("utf-8", "replace"),
        correlation_id=context.current_correlation_id() or "",
        received_at=timezone.now(),
        updated_at=timezone.now(),
    )


def insert_new(rows) -> list[int]:
    """Inserts the rows whose (provider, connection, external id) is not stored yet (for the
    platform's own deliveries, without a connection: whose (provider, external id)); returns the new
    ids. Runs in the caller's transaction when there is one, else commits on its own. The conflict
    has no target, so both unique constraints make a duplicate a no-op."""
    if not rows:
        return []
    fields = [f for f in InboundEvent._meta.concrete_fields if not f.primary_key]
    connection = connections[InboundEvent.objects.db]
    values = [[f.get_db_prep_save(getattr(row, f.attname), connection) for f in fields] for row in rows]
    placeholders = ", ".join("(" + ", ".join(["%s"] * len(fields)) + ")" for _ in rows)
    sql = (
        f"INSERT INTO {InboundEvent._meta.db_table} ({', '.join(connection.ops.quote_name(f.column) for f in fields)}) "
        f"VALUES {placeholders} ON CONFLICT DO NOTHING RETURNING id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for row in values for value in row])
        return [row[0] for row in cursor.fetchall()]


def enqueue(event_ids, countdown=None) -> int:
    """Publishes one processing task per INBOX_BATCH_SIZE ids; returns how many ids were covered."""
    from apps.integrations.tasks import process_inbound_events

    ids, size, covered = list(event_ids), settings.INBOX_BATCH_SIZE, 0
    for start in range(0, len(ids), size):
        chunk = ids[start : start + size]
        if not publish(process_inbound_events, chunk, countdown=countdown):
            break
        covered += len(chunk)
    return covered


def enqueue_drain(event_ids) -> bool:
    """Publishes the task a webhook delivery starts unless one is already waiting: a drain processes
    every fresh event, a batch at a time, so a burst is worked off by a few tasks, not one per
    delivery. Returns whether a drain is waiting (published now or before)."""
    from apps.integrations.tasks import drain_inbox

    if not event_ids:
        return False
    pending = drain_pending(drain_inbox.app)
    if pending is not None and not pending.set_if_absent():
        return True
    published = publish(drain_inbox, list(event_ids))
    if pending is not None and not published:
        pending.clear()
    return published


def drain_pending(app):
    """The flag saying a drain is published and not started yet (None without a Redis broker or when
    tasks run eagerly: then every delivery publishes)."""
    url = app.conf.broker_write_url or app.conf.broker_url or ""
    if app.conf.task_always_eager or not url.startswith(("redis://", "rediss://")):
        return None
    return PendingDrain(url)


class PendingDrain:
    """A Redis key set by the delivery that publishes a drain and deleted by that drain when it starts,
    before it claims. A delivery committed after a drain's claim therefore either sets the key and
    publishes, or finds a drain that has not started yet and will see its rows. The key expires after
    INBOX_RESEND_AFTER_S, so a lost drain costs at most a duplicate; the sweeper covers the rest."""

    KEY = "opsdesk:inbox:drain-pending"
    _clients = {}

    def __init__(self, url):
        if url not in self._clients:
            self._clients[url] = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        self.client = self._clients[url]

    def set_if_absent(self) -> bool:
        """True when this caller set the flag (and must publish), also when Redis does not answer."""
        try:
            return bool(self.client.set(self.KEY, 1, nx=True, ex=settings.INBOX_RESEND_AFTER_S))
        except redis.RedisError:
            return True

    def clear(self):
        try:
            self.client.delete(self.KEY)
        except redis.RedisError:
            logger.warning("inbox: could not clear the pending-drain flag; it expires on its own")
