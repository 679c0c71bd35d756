"""The write side of the inbound pipeline: store a verified delivery's items once, then enqueue.

Storing comes first and is the only thing the HTTP answer waits for. Enqueueing happens after
commit and never fails the request: when the broker is down the rows wait in `received` and the
sweeper (`integrations.sweep_inbox`) enqueues them once it is back."""
import logging

from django.db import transaction
from django.utils import timezone

from apps.core import context
from apps.integrations.delivery import request_headers
from apps.integrations.models import InboundEvent

logger = logging.getLogger("opsdesk.inbox")


def store(provider, items, request, body: bytes) -> tuple[int, int]:
    """Stores every item not stored before; returns (stored, duplicates)."""
    rows = [_row(provider, item, request, body) for item in items]
    with transaction.atomic():
        known = _already_stored(provider, rows)
        fresh = [row for row in rows if (row.connection_id, row.external_id) not in known]
        InboundEvent.objects.bulk_create(fresh, ignore_conflicts=True)
        transaction.on_commit(lambda: enqueue_pending(provider, rows))
    return len(fresh), len(rows) - len(fresh)


def _row(provider, item, request, body):
    return InboundEvent(
        provider=provider, connection=item.connection, tenant_id=item.connection.tenant_id,
        external_id=item.external_id[:255], event_type=item.event_type[:100], payload=item.payload,
        headers=request_headers(request), raw_body=body.decode("utf-8", "replace"),
        correlation_id=context.current_correlation_id() or "", received_at=timezone.now(),
    )


def _already_stored(provider, rows) -> set:
    wanted = {row.external_id for row in rows}
    return set(InboundEvent.objects.filter(provider=provider, external_id__in=wanted)
               .values_list("connection_id", "external_id"))


def enqueue_pending(provider, rows):
    """Enqueues the stored rows still waiting (a duplicate of a processed one is not)."""
    keys = [(row.connection_id, row.external_id) for row in rows]
    ids = InboundEvent.objects.filter(provider=provider, external_id__in=[k[1] for k in keys],
                                      status=InboundEvent.Status.RECEIVED).values_list("id", "connection_id", "external_id")
    enqueue([pk for pk, connection_id, external_id in ids if (connection_id, external_id) in keys])


def enqueue(event_ids, countdown=None) -> int:
    """Publishes one processing task per id; returns how many were published."""
    from apps.integrations.tasks import process_inbound_event

    published = 0
    for event_id in event_ids:
        if not publish(process_inbound_event, event_id, countdown=countdown):
            break
        published += 1
    return published


def publish(task, *args, countdown=None) -> bool:
    """Publishes a task without ever raising: a broker that does not answer costs at most the
    publish timeout and is logged; the sweepers pick up what was not published."""
    try:
        task.apply_async(args=list(args), countdown=countdown, retry=False)
    except Exception as exc:  # noqa: BLE001
        logger.warning("could not publish %s%s (%s); a sweeper will", task.name, args, exc)
        return False
    return True
