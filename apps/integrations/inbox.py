"""The write side of the inbound pipeline: store a verified delivery's items once, then enqueue.

Storing comes first and is the only thing the HTTP answer waits for. Enqueueing happens after
commit and never fails the request: when the broker is down the rows wait in `received` and the
sweeper (`integrations.sweep_inbox`) enqueues them once it is back."""

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

from apps.core import context
from apps.core.tasks import publish
from apps.integrations.delivery import request_headers
from apps.integrations.models import InboundEvent


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
        tenant_id=item.connection.tenant_id,
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
    """Inserts the rows whose (provider, connection, external id) is not stored yet; returns the new
    ids. Runs in the caller's transaction when there is one, else commits on its own."""
    if not rows:
        return []
    fields = [f for f in InboundEvent._meta.concrete_fields if not f.primary_key]
    connection = connections[InboundEvent.objects.db]
    values = [[f.get_db_prep_save(getattr(row, f.attname), connection) for f in fields] for row in rows]
    placeholders = ", ".join("(" + ", ".join(["%s"] * len(fields)) + ")" for _ in rows)
    sql = (
        f"INSERT INTO {InboundEvent._meta.db_table} ({', '.join(connection.ops.quote_name(f.column) for f in fields)}) "
        f"VALUES {placeholders} ON CONFLICT (provider, connection_id, external_id) DO NOTHING RETURNING id"
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
    """Publishes the task a webhook delivery starts: it processes these events and any other fresh
    ones waiting, a batch at a time, so a burst is drained by a few tasks and the ones queued after
    them find nothing to do."""
    from apps.integrations.tasks import drain_inbox

    return bool(event_ids) and publish(drain_inbox, list(event_ids))
