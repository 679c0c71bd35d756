"""Delivering outbox rows: a notification row is written in the same transaction as the change it
reports (so nothing is lost to a crash or a broker outage), then a task delivers it. Claim the row
(queued → sending) in one short transaction, send with no transaction open, record the outcome in
a second one; a task run twice finds the row already claimed. Incident and ticket notifications
share this; each says how it sends and what it records."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

QUEUED, SENDING = "queued", "sending"
REQUEUE_AFTER = timedelta(minutes=2)
# Longer than any send can take (SMTP's timeout; Slack's retries × (timeout + Retry-After)); a row
# still "sending" after this lost its worker.
SENDING_STUCK_AFTER = timedelta(minutes=15)
SWEEP_BATCH = 1000


def deliver(notification_id, *, claim, send, record) -> str:
    """Sends one queued row and records how it went; "skipped" when it is gone, already handled or
    being sent by another worker."""
    notification = claim(notification_id)
    if notification is None:
        return "skipped"
    send(notification)
    record(notification)
    return notification.status


def claim(queryset, notification_id, now=None):
    """The row, moved queued → sending and committed, or None when another worker has it."""
    with transaction.atomic():
        notification = (
            queryset.select_for_update(skip_locked=True, of=("self",)).filter(pk=notification_id, status=QUEUED).first()
        )
        if notification is None:
            return None
        notification.status, notification.claimed_at = SENDING, now or timezone.now()
        notification.save(update_fields=["status", "claimed_at"])
    return notification


def requeue_stale(queryset, enqueue, now) -> int:
    """Publishes again the rows that sat queued too long (the broker was down when they were made)."""
    ids = list(
        queryset.filter(status=QUEUED, created_at__lt=now - REQUEUE_AFTER).values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    for pk in ids:
        enqueue(pk)
    return len(ids)


def lost_sends(queryset, now):
    """Rows whose worker stopped mid-send. Not sent again: a second email or page is worse than a
    gap the operator can see and retry."""
    return queryset.filter(status=SENDING, claimed_at__lt=now - SENDING_STUCK_AFTER)


def failure_text(exc) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]
