"""Telling the on-call roster about an incident, by email and Slack. The Notification rows are
written in the same transaction as the decision to notify, then a task delivers each row: claim
it (queued → sending) in one short transaction, send with no transaction open (Slack's retries
may wait over a minute), record the outcome in a second one. A task run twice finds the row
already claimed. Every send or failure is a row on the incident and a timeline entry."""
import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from apps.core import crypto
from apps.incidents.models import Level, Notification, OnCallEntry, TimelineEntry, redacted_webhook
from apps.incidents.services.timeline import add_timeline_entry
from apps.incidents.slack import SlackError, SlackWebhookClient

logger = logging.getLogger("opsdesk.incidents")
Channel, State = Notification.Channel, Notification.State
REQUEUE_AFTER = timedelta(minutes=2)
# Longer than any send can take (Slack: retries × (timeout + Retry-After)); a row still "sending"
# after this lost its worker.
SENDING_STUCK_AFTER = timedelta(minutes=15)
OUTCOME_UNKNOWN = "Outcome unknown: the worker stopped while sending, so it may or may not have gone out."


def queue_for_level(incident, level, reason, *, why="", now=None) -> list[Notification]:
    """One row per address of everyone holding `level` now, plus the team's Slack channel. With
    nobody to tell, a failed row says so, so the gap shows on the incident."""
    now = now or timezone.now()
    subject, body = compose(incident, level, why)
    rows = [row for entry in OnCallEntry.objects.holding(level, now) for row in _rows_for(entry)]
    if settings.SLACK_WEBHOOK_URL:
        rows.append(_slack_row(settings.SLACK_WEBHOOK_URL, None))
    if not rows:
        return [_nobody(incident, level, reason, subject, body, now)]
    for row in rows:
        row.incident, row.level, row.reason, row.subject, row.body, row.created_at = (
            incident, level, reason, subject, body, now)
    Notification.objects.bulk_create(rows)
    for row in rows:
        transaction.on_commit(lambda pk=row.pk: enqueue(pk))
    return rows


def _rows_for(entry):
    rows = [Notification(channel=Channel.EMAIL, recipient=entry.email, on_call_entry=entry)] if entry.email else []
    url = entry.slack_webhook_url
    return rows + ([_slack_row(url, entry)] if url else [])


def _slack_row(url, entry):
    return Notification(channel=Channel.SLACK, recipient=redacted_webhook(url), on_call_entry=entry,
                        target_encrypted=crypto.encrypt_json({"url": url}))


def _nobody(incident, level, reason, subject, body, now):
    error = (f"Nobody holds {Level(level).label} on the on-call roster with an email or Slack webhook, and "
             "SLACK_WEBHOOK_URL is not set.")
    row = Notification.objects.create(incident=incident, level=level, reason=reason, channel=Channel.EMAIL,
                                      recipient="(nobody on the roster)", subject=subject, body=body,
                                      status=State.FAILED, error=error, created_at=now)
    add_timeline_entry(incident, TimelineEntry.Kind.NOTIFICATION, f"Level {level} not notified: {error}", at=now,
                       data={"notification": row.pk, "status": row.status, "level": level})
    return row


def compose(incident, level, why=""):
    subject = f"[{incident.severity}] Incident #{incident.pk}: {incident.title}"[:300]
    url = settings.SITE_URL + reverse("admin:incidents_incident_change", args=[incident.pk])
    tenants = ", ".join(incident.affected_tenants.order_by("name").values_list("name", flat=True)[:20]) or "platform"
    body = (f"{Level(level).label}: {why or 'you are on call for this incident.'}\n\n"
            f"{incident.title}\nSeverity: {incident.get_severity_display()}\nStatus: {incident.status}\n"
            f"Detected: {incident.detected_at:%Y-%m-%d %H:%M} UTC ({incident.get_detection_method_display()})\n"
            f"Codes: {', '.join(incident.codes or []) or '-'}\nAffected: {tenants}\n\nOpen the incident: {url}\n")
    return subject, body


def enqueue(notification_id):
    """Hands the row to Celery; when the broker is away it stays queued for `requeue_stale`."""
    from apps.incidents.tasks import send_incident_notification

    try:
        send_incident_notification.delay(notification_id)
    except Exception as exc:  # noqa: BLE001 — the row is kept; the sweeper retries
        logger.warning("Incident notification not enqueued", extra={"notification_id": notification_id,
                                                                    "error": repr(exc)})


def deliver(notification_id) -> str:
    """Sends one queued notification and records how it went; "skipped" when it is gone, already
    handled or being sent by another worker."""
    notification = claim(notification_id)
    if notification is None:
        return "skipped"
    _send(notification)
    record(notification)
    return notification.status


def claim(notification_id, now=None):
    with transaction.atomic():
        notification = (Notification.objects.select_for_update(skip_locked=True, of=("self",))
                        .filter(pk=notification_id, status=State.QUEUED).select_related("incident").first())
        if notification is None:
            return None
        notification.status, notification.claimed_at = State.SENDING, now or timezone.now()
        notification.save(update_fields=["status", "claimed_at"])
    return notification


def record(notification):
    with transaction.atomic():
        recorded = Notification.objects.filter(pk=notification.pk, status=State.SENDING).update(
            status=notification.status, attempts=notification.attempts, error=notification.error,
            sent_at=notification.sent_at)
        if recorded:
            _record(notification)


def _send(notification):
    try:
        if notification.channel == Channel.EMAIL:
            notification.attempts = 1
            send_mail(notification.subject, notification.body, settings.DEFAULT_FROM_EMAIL, [notification.target],
                      fail_silently=False)
        else:
            notification.attempts = SlackWebhookClient().post(notification.target, _slack_text(notification))
        notification.status, notification.sent_at, notification.error = State.SENT, timezone.now(), ""
    except SlackError as exc:
        notification.status, notification.attempts, notification.error = State.FAILED, exc.attempts, exc.message
    except Exception as exc:  # noqa: BLE001 — SMTP and backend errors of every kind are recorded
        notification.status, notification.error = State.FAILED, f"{type(exc).__name__}: {exc}"[:2000]
    if notification.status == State.FAILED:
        logger.warning("Incident notification failed", extra={"notification_id": notification.pk,
                                                               "error": notification.error})


def _slack_text(notification):
    return f"*{notification.subject}*\n{notification.body}"


def _record(notification):
    outcome = "sent" if notification.status == State.SENT else f"failed after {notification.attempts} attempt(s)"
    text = (f"{notification.get_channel_display()} to {notification.recipient} {outcome} "
            f"(level {notification.level}, {notification.get_reason_display().lower()})")
    if notification.error:
        text += f": {notification.error}"
    add_timeline_entry(notification.incident, TimelineEntry.Kind.NOTIFICATION, text, data={
        "notification": notification.pk, "channel": notification.channel, "status": notification.status,
        "level": notification.level, "attempts": notification.attempts})


def requeue_stale(now=None) -> int:
    """Re-enqueues notifications that sat queued too long (the broker was down when they were
    made), and fails those whose worker was lost mid-send."""
    now = now or timezone.now()
    fail_lost_sends(now)
    ids = list(Notification.objects.filter(status=State.QUEUED, created_at__lt=now - REQUEUE_AFTER)
               .values_list("pk", flat=True)[:1000])
    for pk in ids:
        enqueue(pk)
    return len(ids)


def fail_lost_sends(now) -> int:
    """Not sent again: a second page or email is worse than a gap the timeline shows."""
    lost = list(Notification.objects.filter(status=State.SENDING, claimed_at__lt=now - SENDING_STUCK_AFTER)
                .select_related("incident")[:1000])
    for notification in lost:
        notification.status, notification.error = State.FAILED, OUTCOME_UNKNOWN
        record(notification)
    return len(lost)
