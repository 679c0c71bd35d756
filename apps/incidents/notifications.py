"""Telling the on-call roster about an incident, by email, Slack and Telegram (`telegram_alerts`).
The Notification rows are written in the same transaction as the decision to notify, then a task
delivers each row through `apps.core.outbox`: claimed, sent with no transaction open (Slack's
retries may wait over a minute), recorded. Every send or failure is a row on the incident and a
timeline entry; a Telegram send Telegram asked to repeat later goes back to queued until
`next_attempt_at`."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from apps.core import crypto, outbox
from apps.core.tasks import publish
from apps.incidents import telegram_alerts
from apps.incidents.models import Level, Notification, OnCallEntry, Role, TimelineEntry, redacted_webhook
from apps.incidents.services.timeline import add_timeline_entry
from apps.integrations.slack.client import SlackError, SlackWebhookClient

logger = logging.getLogger("opsdesk.incidents")
Channel, State = Notification.Channel, Notification.State
NOBODY_IN_ROLE = "(nobody in this role)"
OUTCOME_UNKNOWN = "Outcome unknown: the worker stopped while sending, so it may or may not have gone out."


def queue_for_level(incident, level, reason, *, why="", now=None) -> list[Notification]:
    """One row per address of everyone holding `level` now, plus the team's Slack channel. With
    nobody to tell, a failed row says so, so the gap shows on the incident."""
    now = now or timezone.now()
    subject, body = compose(incident, Level(level).label, why)
    rows = [row for entry in OnCallEntry.objects.holding(level, now) for row in _rows_for(entry)]
    if settings.SLACK_WEBHOOK_URL:
        rows.append(_slack_row(settings.SLACK_WEBHOOK_URL, None))
    if not rows:
        return [_nobody(incident, level, reason, subject, body, now)]
    for row in rows:
        row.incident, row.level, row.reason, row.subject, row.body, row.created_at = (
            incident,
            level,
            reason,
            subject,
            body,
            now,
        )
    Notification.objects.bulk_create(rows)
    for row in rows:
        transaction.on_commit(lambda pk=row.pk: enqueue(pk))
    return rows


def queue_for_role(incident, rule, *, why, now) -> list[Notification]:
    """One row per address of everyone on the roster holding the rule's role now (no team channel:
    the rule names people). With nobody in the role, one failed row says so, so the gap shows."""
    subject, body = compose(incident, Role(rule.role).label, f"{why}.")
    rows = [row for entry in OnCallEntry.objects.in_role(rule.role, now) for row in _rows_for(entry)]
    rows = rows or [_nobody_in_role(rule)]
    for row in rows:
        row.incident, row.role, row.rule, row.reason = incident, rule.role, rule, Notification.Reason.RULE
        row.subject, row.body, row.created_at = subject, body, now
    Notification.objects.bulk_create(rows)
    for row in rows:
        if row.status == State.QUEUED:
            transaction.on_commit(lambda pk=row.pk: enqueue(pk))
    return rows


def _nobody_in_role(rule):
    error = (
        f"Nobody holds the role {Role(rule.role).label} on the on-call roster with an email, Slack webhook or "
        "bound Telegram account."
    )
    return Notification(channel=Channel.EMAIL, recipient=NOBODY_IN_ROLE, status=State.FAILED, error=error)


def _rows_for(entry):
    rows = [Notification(channel=Channel.EMAIL, recipient=entry.email, on_call_entry=entry)] if entry.email else []
    url = entry.slack_webhook_url
    rows += [_slack_row(url, entry)] if url else []
    telegram = telegram_alerts.row_for(entry)
    return rows + ([telegram] if telegram else [])


def _slack_row(url, entry):
    return Notification(
        channel=Channel.SLACK,
        recipient=redacted_webhook(url),
        on_call_entry=entry,
        target_encrypted=crypto.encrypt_json({"url": url}),
    )


def _nobody(incident, level, reason, subject, body, now):
    error = (
        f"Nobody holds {Level(level).label} on the on-call roster with an email, Slack webhook or bound "
        "Telegram account, and SLACK_WEBHOOK_URL is not set."
    )
    row = Notification.objects.create(
        incident=incident,
        level=level,
        reason=reason,
        channel=Channel.EMAIL,
        recipient="(nobody on the roster)",
        subject=subject,
        body=body,
        status=State.FAILED,
        error=error,
        created_at=now,
    )
    add_timeline_entry(
        incident,
        TimelineEntry.Kind.NOTIFICATION,
        f"Level {level} not notified: {error}",
        at=now,
        data={"notification": row.pk, "status": row.status, "level": level},
    )
    return row


def compose(incident, heading, why=""):
    """Subject and body of an alert; `heading` names who it is for ("Level 1 — on-call engineer",
    "CEO")."""
    subject = f"[{incident.severity}] Incident #{incident.pk}: {incident.title}"[:300]
    url = settings.SITE_URL + reverse("admin:incidents_incident_change", args=[incident.pk])
    tenants = ", ".join(incident.affected_tenants.order_by("name").values_list("name", flat=True)[:20])
    tenants = tenants or ("nobody" if incident.subject_tenant_id else "platform")
    body = (
        f"{heading}: {why or 'you are on call for this incident.'}\n\n"
        f"{incident.title}\nSeverity: {incident.get_severity_display()}\nStatus: {incident.status}\n"
        f"Detected: {incident.detected_at:%Y-%m-%d %H:%M} UTC ({incident.get_detection_method_display()})\n"
        f"Codes: {', '.join(incident.codes or []) or '-'}\nAffected: {tenants}\n{_subject(incident)}\n"
        f"Open the incident: {url}\n"
    )
    return subject, body


def _subject(incident) -> str:
    return f"About: {incident.subject_tenant.name} (its own behaviour)\n" if incident.subject_tenant_id else ""


def enqueue(notification_id, countdown=None):
    """Hands the row to Celery; when the broker is away it stays queued for `requeue_stale`."""
    from apps.incidents.tasks import send_incident_notification

    return publish(send_incident_notification, notification_id, countdown=countdown)


def deliver(notification_id) -> str:
    return outbox.deliver(notification_id, claim=claim, send=_send, record=record)


def claim(notification_id, now=None):
    """The row to send now; one waiting for its next try (`next_attempt_at`) is not taken early."""
    now = now or timezone.now()
    waiting = Notification.objects.select_related("incident").exclude(next_attempt_at__gt=now)
    return outbox.claim(waiting, notification_id, now)


def record(notification):
    with transaction.atomic():
        recorded = Notification.objects.filter(pk=notification.pk, status=State.SENDING).update(
            status=notification.status,
            attempts=notification.attempts,
            error=notification.error,
            sent_at=notification.sent_at,
            next_attempt_at=notification.next_attempt_at,
        )
        if recorded:
            _record(notification)
        if recorded and notification.status == State.QUEUED:
            delay = (notification.next_attempt_at - timezone.now()).total_seconds()
            transaction.on_commit(lambda: enqueue(notification.pk, countdown=max(delay, 0)))


def _send(notification):
    try:
        if notification.channel == Channel.EMAIL:
            notification.attempts = 1
            send_mail(
                notification.subject,
                notification.body,
                settings.DEFAULT_FROM_EMAIL,
                [notification.target],
                fail_silently=False,
            )
        elif notification.channel == Channel.TELEGRAM:
            return telegram_alerts.send(notification)
        else:
            notification.attempts = SlackWebhookClient().post(notification.target, _slack_text(notification))
        notification.status, notification.sent_at, notification.error = State.SENT, timezone.now(), ""
    except SlackError as exc:
        notification.status, notification.attempts, notification.error = State.FAILED, exc.attempts, exc.message
    except Exception as exc:
        notification.status, notification.error = State.FAILED, outbox.failure_text(exc)
    if notification.status == State.FAILED:
        logger.warning(
            "Incident notification failed", extra={"notification_id": notification.pk, "error": notification.error}
        )


def _slack_text(notification):
    return f"*{notification.subject}*\n{notification.body}"


def _record(notification):
    outcome = "sent" if notification.status == State.SENT else f"failed after {notification.attempts} attempt(s)"
    if notification.status == State.QUEUED:
        outcome = f"failed (attempt {notification.attempts}), next try at {notification.next_attempt_at:%H:%M:%S} UTC"
    text = (
        f"{notification.get_channel_display()} to {notification.recipient} {outcome} "
        f"({told(notification)}, {notification.get_reason_display().lower()})"
    )
    if notification.error:
        text += f": {notification.error}"
    add_timeline_entry(
        notification.incident,
        TimelineEntry.Kind.NOTIFICATION,
        text,
        data={
            "notification": notification.pk,
            "channel": notification.channel,
            "status": notification.status,
            "level": notification.level,
            "role": notification.role,
            "attempts": notification.attempts,
        },
    )


def told(notification) -> str:
    """Who it was for: "level 2" for the severity policies, the role ("CEO") for an escalation rule."""
    if notification.level:
        return f"level {notification.level}"
    return notification.get_role_display() or "nobody named"


def requeue_stale(now=None) -> int:
    """Re-enqueues notifications that sat queued too long (the broker was down when they were
    made), and fails those whose worker was lost mid-send."""
    now = now or timezone.now()
    fail_lost_sends(now)
    return outbox.requeue_stale(Notification.objects, enqueue, now)


def fail_lost_sends(now) -> int:
    """Not sent again: a second page or email is worse than a gap the timeline shows."""
    lost = list(outbox.lost_sends(Notification.objects, now).select_related("incident")[: outbox.SWEEP_BATCH])
    for notification in lost:
        notification.status, notification.error = State.FAILED, OUTCOME_UNKNOWN
        record(notification)
    return len(lost)
