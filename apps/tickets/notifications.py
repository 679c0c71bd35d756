"""Ticket emails: the requester on each public reply and status change, the assignee on each
customer reply. A TicketNotification row is written in the same transaction as the change (so
no email is lost to a crash or a broker outage), then a task delivers it through
`apps.core.outbox`: claimed, sent with no transaction open, recorded; a task run twice sends
nothing."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from apps.core import outbox
from apps.core.tasks import publish
from apps.tickets.models import TicketNotification

logger = logging.getLogger("opsdesk.tickets")
Kind, State = TicketNotification.Kind, TicketNotification.State
OUTCOME_UNKNOWN = (
    "Outcome unknown: the worker stopped while sending, so it may or may not have gone out. "
    "Retry it if the recipient did not get it."
)


def public_reply(ticket, message):
    body = f"{message.author_name} replied to your ticket #{ticket.pk}:\n\n{message.body}\n"
    _queue(ticket, Kind.PUBLIC_REPLY, f"message:{message.pk}", ticket.requester_address, _with_status(ticket, body))


def status_change(ticket, before, actor, now):
    if actor is not None and actor.pk and actor.pk == ticket.requester_user_id:
        return
    body = f"Your ticket #{ticket.pk} changed from {before} to {ticket.get_status_display().lower()}.\n"
    _queue(
        ticket, Kind.STATUS_CHANGE, f"status:{before}>{ticket.status}:{now.isoformat()}", ticket.requester_address, body
    )


def customer_reply(ticket, message):
    if ticket.assignee_id is None:
        return
    admin_url = settings.SITE_URL + reverse("admin:tickets_ticket_change", args=[ticket.pk])
    body = (
        f"{message.author_name} ({ticket.tenant.name}) replied on #{ticket.pk}:\n\n{message.body}\n\n"
        f"Open the ticket: {admin_url}\n"
    )
    _queue(ticket, Kind.CUSTOMER_REPLY, f"message:{message.pk}", ticket.assignee.email, body)


def _with_status(ticket, body):
    link = ""
    if ticket.requester_user_id:
        link = f"\nSee the conversation: {settings.SITE_URL}{reverse('tickets:detail', args=[ticket.pk])}\n"
    return f"{body}\nStatus: {ticket.get_status_display()}\n{link}"


def _queue(ticket, kind, event_key, recipient, body):
    if not recipient:
        return None
    notification, created = TicketNotification.objects.get_or_create(
        ticket=ticket,
        event_key=event_key[:100],
        recipient=recipient,
        defaults={
            "tenant_id": ticket.tenant_id,
            "kind": kind,
            "body": body,
            "subject": f"[{ticket.tenant.name} #{ticket.pk}] {ticket.subject}"[:300],
        },
    )
    if created:
        transaction.on_commit(lambda: enqueue(notification.pk))
    return notification


def enqueue(notification_id):
    """Hands the email to Celery; when the broker is away the row stays queued and
    `requeue_stale` picks it up later."""
    from apps.tickets.tasks import send_ticket_notification

    return publish(send_ticket_notification, notification_id)


def deliver(notification_id) -> str:
    return outbox.deliver(notification_id, claim=claim, send=_send, record=record)


def claim(notification_id, now=None):
    return outbox.claim(TicketNotification.objects, notification_id, now)


def _send(notification):
    try:
        send_mail(
            notification.subject,
            notification.body,
            settings.DEFAULT_FROM_EMAIL,
            [notification.recipient],
            fail_silently=False,
        )
        notification.status, notification.sent_at, notification.error = State.SENT, timezone.now(), ""
    except Exception as exc:
        notification.status, notification.error = State.FAILED, outbox.failure_text(exc)
        logger.warning("Ticket email failed", extra={"notification_id": notification.pk, "error": notification.error})


def record(notification):
    TicketNotification.objects.filter(pk=notification.pk, status=State.SENDING).update(
        status=notification.status, sent_at=notification.sent_at, error=notification.error
    )


def retry(notification) -> TicketNotification:
    """An operator sends a failed email again."""
    updated = TicketNotification.objects.filter(pk=notification.pk, status=State.FAILED).update(
        status=State.QUEUED, error=""
    )
    if updated:
        transaction.on_commit(lambda: enqueue(notification.pk))
    return notification


def requeue_stale(now=None) -> int:
    """Re-enqueues emails that sat queued too long (the broker was down when they were made), and
    fails those whose worker was lost mid-send (not resent: an operator may retry them)."""
    now = now or timezone.now()
    outbox.lost_sends(TicketNotification.objects, now).update(status=State.FAILED, error=OUTCOME_UNKNOWN)
    return outbox.requeue_stale(TicketNotification.objects, enqueue, now)
