"""Incident alerts through the platform's Telegram bot: one more channel of `notifications`.

A roster entry whose user has bound a Telegram account (`/bind` in the platform bot) and keeps
"notify by Telegram" on gets a message with Acknowledge and Resolve buttons (`callback_data`
"incident:ack:<id>" / "incident:resolve:<id>", handled by apps.platform_bot). A send that fails for
a while (429, 5xx, no answer) is tried again after a backoff that honours Telegram's retry_after,
up to TELEGRAM_ALERT_MAX_ATTEMPTS; one Telegram refuses for good (blocked bot, unknown chat, bad
token) fails at once. Every failure is a TELEGRAM_SEND_FAIL event linked to the incident."""

from django.conf import settings
from django.utils import timezone

from apps.accounts.models import TelegramLink
from apps.core import backoff, crypto
from apps.events import emit
from apps.incidents.models import Notification
from apps.integrations.telegram.bot_api import BotApi, BotApiError

State = Notification.State
MAX_TEXT = 4096


def buttons(incident_id):
    return [[("Acknowledge", f"incident:ack:{incident_id}"), ("Resolve", f"incident:resolve:{incident_id}")]]


def row_for(entry):
    """The entry's Telegram notification, or None (not bound, switched off, or the bot is off)."""
    if not (entry.notify_by_telegram and entry.user_id and settings.TELEGRAM_BOT_TOKEN):
        return None
    link = TelegramLink.objects.filter(user_id=entry.user_id, user__is_active=True).first()
    if link is None:
        return None
    return Notification(
        channel=Notification.Channel.TELEGRAM,
        recipient=_recipient(entry, link),
        on_call_entry=entry,
        target_encrypted=crypto.encrypt_json({"chat_id": link.chat_id}),
    )


def _recipient(entry, link):
    handle = f"@{link.telegram_username}" if link.telegram_username else f"id {link.telegram_user_id}"
    return f"{entry.name} ({handle} on Telegram)"


def text(notification) -> str:
    return f"{notification.subject}\n\n{notification.body}"[:MAX_TEXT]


def send(notification):
    """Sends it and sets status, attempts, error and next_attempt_at from the outcome."""
    notification.attempts += 1
    try:
        BotApi().send_message(int(notification.target), text(notification), buttons=buttons(notification.incident_id))
    except BotApiError as error:
        _failed(notification, error)
        return
    notification.status, notification.sent_at, notification.error = State.SENT, timezone.now(), ""
    notification.next_attempt_at = None


def _failed(notification, error):
    retry_in = _retry_in(notification, error)
    notification.error = f"{error.method} {error.code}: {error.description}. {error.fix}"[:2000]
    if retry_in is None:
        notification.status, notification.next_attempt_at = State.FAILED, None
    else:
        notification.status = State.QUEUED
        notification.next_attempt_at = timezone.now() + timezone.timedelta(seconds=retry_in)
    emit(
        "TELEGRAM_SEND_FAIL",
        source="platform_bot",
        message=f"Incident alert to {notification.recipient} failed (attempt {notification.attempts}): "
        f"{error.code} {error.description}. Fix: {error.fix}"
        + (f" Retried in {round(retry_in)} s." if retry_in is not None else " Not retried."),
        meta={
            "method": error.method,
            "error_code": str(error.code),
            "description": error.description,
            "fix": error.fix,
            "notification": notification.pk,
            "retry_in_s": retry_in,
        },
        incident=notification.incident,
    )


def _retry_in(notification, error) -> float | None:
    """Seconds until the next try, or None when it is not worth another."""
    if not error.retryable or notification.attempts >= settings.TELEGRAM_ALERT_MAX_ATTEMPTS:
        return None
    return backoff.backoff_seconds(
        notification.attempts,
        base=settings.TELEGRAM_ALERT_RETRY_BASE_S,
        cap=settings.TELEGRAM_ALERT_RETRY_CAP_S,
        retry_after=error.retry_after,
    )
