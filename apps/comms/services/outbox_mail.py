"""Sending the comms e-mails through `apps.core.outbox`: a Delivery row is written in the same
transaction as what it reports, a task sends it after commit (claimed, sent with no transaction
open, recorded in a second one), the sweeper publishes what the broker missed. A subscriber who
unsubscribed between queueing and sending gets nothing (the row is "skipped")."""

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from apps.comms.models import Delivery
from apps.core import db_context, outbox
from apps.core.errors import ServiceError
from apps.core.tasks import publish
from apps.events import audit

logger = logging.getLogger("opsdesk.comms")
State, Audience = Delivery.State, Delivery.Audience
CONFIRM_LINK = "[confirmation link]"
UNSUBSCRIBE_LINK = "[unsubscribe link]"  # texts.subscriber_email leaves it for the subscriber's own
OUTCOME_UNKNOWN = (
    "Outcome unknown: the worker stopped while sending, so it may or may not have gone out. "
    "Retry it if the recipient did not get it."
)


def queue_confirmation(subscriber, now):
    """The confirmation e-mail; its link is put in at send time (the row never holds the token)."""
    body = (
        "Someone (we hope you) asked to receive e-mail updates from the Opsdesk status page.\n\n"
        f"Confirm with this link within 48 hours:\n{CONFIRM_LINK}\n\n"
        "If it was not you, ignore this e-mail: nothing more will be sent.\n"
    )
    return queue(
        Delivery(
            audience=Audience.CONFIRMATION,
            subscriber=subscriber,
            recipient=subscriber.email,
            subject="Confirm your status page subscription",
            body=body,
            created_at=now,
        )
    )


def queue(delivery):
    delivery.save()
    transaction.on_commit(lambda: enqueue(delivery.pk))
    return delivery


def queue_many(deliveries) -> int:
    """Inserts the rows that do not exist yet (one per recipient and announcement) and publishes them."""
    Delivery.objects.bulk_create(deliveries, ignore_conflicts=True)
    keys = [(row.announcement_id, row.subscriber_id, row.notice_id, row.recipient) for row in deliveries]
    ids = _queued_ids(deliveries[0].audience, keys) if deliveries else []
    for pk in ids:
        transaction.on_commit(lambda pk=pk: enqueue(pk))
    return len(ids)


def _queued_ids(audience, keys):
    announcements = {key[0] for key in keys}
    rows = Delivery.objects.filter(audience=audience, announcement_id__in=announcements, status=State.QUEUED)
    wanted = set(keys)
    return [
        pk
        for pk, *key in rows.values_list("pk", "announcement_id", "subscriber_id", "notice_id", "recipient")
        if tuple(key) in wanted
    ]


def enqueue(delivery_id, countdown=None):
    """Hands the row to Celery; when the broker is away it stays queued for `requeue_stale`."""
    from apps.comms.tasks import send_delivery

    return publish(send_delivery, delivery_id, countdown=countdown)


@db_context.as_platform
def deliver(delivery_id) -> str:
    return outbox.deliver(delivery_id, claim=claim, send=_send, record=record)


def claim(delivery_id, now=None):
    return outbox.claim(Delivery.objects.select_related("subscriber"), delivery_id, now)


def _send(delivery):
    skip = _skip_reason(delivery)
    if skip:
        delivery.status, delivery.error = State.SKIPPED, skip
        return
    delivery.attempts += 1
    try:
        _message(delivery).send(fail_silently=False)
        delivery.status, delivery.sent_at, delivery.error = State.SENT, timezone.now(), ""
    except Exception as exc:
        delivery.status, delivery.error = State.FAILED, outbox.failure_text(exc)
        logger.warning("Comms e-mail failed", extra={"delivery_id": delivery.pk, "error": delivery.error})


def _skip_reason(delivery) -> str:
    """Why the e-mail must not go now: its subscriber left, or its confirmation is moot (a newer
    request replaced the link, or the address confirmed or unsubscribed meanwhile)."""
    subscriber = delivery.subscriber
    if delivery.audience == Audience.SUBSCRIBER and not subscriber.is_confirmed:
        return "The subscriber unsubscribed before it was sent."
    if delivery.audience == Audience.CONFIRMATION and subscriber.state != subscriber.State.PENDING:
        return f"Not needed any more: the address is {subscriber.get_state_display().lower()}."
    if delivery.audience == Audience.CONFIRMATION and delivery.created_at < subscriber.requested_at:
        return "Replaced by a newer confirmation e-mail (its link is the one that works)."
    return ""


def _message(delivery):
    body, headers = delivery.body, {}
    if delivery.audience == Audience.CONFIRMATION:
        body = body.replace(CONFIRM_LINK, confirm_url(delivery.subscriber))
    if delivery.audience == Audience.SUBSCRIBER:
        url = unsubscribe_url(delivery.subscriber)
        body = body.replace(UNSUBSCRIBE_LINK, url)
        headers = {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    return EmailMessage(
        delivery.subject, body, settings.DEFAULT_FROM_EMAIL, [delivery.recipient], headers=headers or None
    )


def confirm_url(subscriber) -> str:
    from apps.comms.services.subscriptions import confirmation_token

    return settings.SITE_URL + reverse("comms:confirm", args=[confirmation_token(subscriber)])


def unsubscribe_url(subscriber) -> str:
    from apps.comms.services.subscriptions import unsubscribe_token

    return settings.SITE_URL + reverse("comms:unsubscribe", args=[unsubscribe_token(subscriber)])


def record(delivery):
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk, status=State.SENDING).update(
            status=delivery.status, attempts=delivery.attempts, error=delivery.error, sent_at=delivery.sent_at
        )


def retry(delivery, *, actor, request=None):
    """An operator sends a failed e-mail again (or one whose outcome is unknown)."""
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
        if delivery.status != State.FAILED:
            raise ServiceError(
                f"Only failed e-mails are retried; this one is {delivery.get_status_display().lower()}.", "not_failed"
            )
        before = delivery.error
        delivery.status, delivery.error, delivery.claimed_at = State.QUEUED, "", None
        delivery.save(update_fields=["status", "error", "claimed_at"])
        audit.record("comms.delivery_retried", actor=actor, target=delivery, request=request, before={"error": before})
        transaction.on_commit(lambda: enqueue(delivery.pk))
    return delivery


def requeue_stale(now=None) -> int:
    """Publishes rows that sat queued too long and fails those whose worker was lost mid-send."""
    now = now or timezone.now()
    lost = outbox.lost_sends(Delivery.objects, now)
    failed = lost.update(status=State.FAILED, error=OUTCOME_UNKNOWN)
    return failed + outbox.requeue_stale(Delivery.objects, enqueue, now)
