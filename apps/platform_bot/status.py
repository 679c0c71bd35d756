"""Is Telegram delivering the platform bot's updates? `getWebhookInfo` read as one answer:
`webhook_status()` (cached TELEGRAM_STATUS_CACHE_S seconds, for the signup page), the
`telegram_status` command and the `telegram_platform_bot` health check."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from apps.core import zones
from apps.integrations.telegram.bot_api import BotApi, BotApiError

CACHE_KEY = "platform_bot:webhook_status"
RECENT_ERROR = timedelta(minutes=15)


@dataclass(frozen=True)
class WebhookStatus:
    ok: bool
    reason: str
    url: str = ""
    pending_update_count: int = 0
    last_error_at: datetime | None = None
    last_error_message: str = ""


def webhook_status() -> WebhookStatus:
    """The webhook's state, asked of Telegram at most once per TELEGRAM_STATUS_CACHE_S."""
    cached = cache.get(CACHE_KEY)
    if cached is None:
        cached = read_status(BotApi())
        cache.set(CACHE_KEY, cached, settings.TELEGRAM_STATUS_CACHE_S)
    return cached


def read_status(api, now=None) -> WebhookStatus:
    if not api.is_configured():
        return WebhookStatus(False, "TELEGRAM_BOT_TOKEN is not set: the platform Telegram bot is off.")
    if not settings.TELEGRAM_WEBHOOK_SECRET:
        return WebhookStatus(False, "TELEGRAM_WEBHOOK_SECRET is not set: the webhook refuses every delivery.")
    try:
        info = api.get_webhook_info() or {}
    except BotApiError as error:
        return WebhookStatus(
            False, f"Telegram did not answer getWebhookInfo: {error.code} {error.description}. {error.fix}"
        )
    return judge(info, now or timezone.now())


def judge(info, now) -> WebhookStatus:
    """getWebhookInfo's answer in words; not ok without a webhook here or after a recent failure."""
    url, pending = info.get("url") or "", int(info.get("pending_update_count") or 0)
    error_at = _from_unix(info.get("last_error_date"))
    error = info.get("last_error_message") or ""
    facts = {"url": url, "pending_update_count": pending, "last_error_at": error_at, "last_error_message": error}
    if not url:
        return WebhookStatus(False, "No webhook is set: run manage.py telegram_set_webhook <public-base-url>.", **facts)
    if not url.endswith(reverse("platform-bot-webhook")):
        return WebhookStatus(
            False, f"The webhook points at {url}, not at this Opsdesk's /auth/telegram/webhook.", **facts
        )
    if error_at and now - error_at < RECENT_ERROR:
        reason = f"Telegram's last delivery failed at {zones.when(error_at, 's')}: {error} ({pending} updates waiting)."
        return WebhookStatus(False, reason, **facts)
    return WebhookStatus(True, f"Webhook set to {url}; {pending} updates waiting.", **facts)


def _from_unix(value):
    return datetime.fromtimestamp(int(value), tz=UTC) if value else None


def forget():
    cache.delete(CACHE_KEY)
