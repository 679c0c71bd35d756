"""The platform bot's tests talk to a local Telegram Bot API (tests/fakes/telegram_bot_api.py)
configured as the platform's bot: its token, its URL, a webhook secret and short timeouts."""

import pytest
from django.core.cache import cache

from tests.fakes import serving
from tests.fakes.telegram_bot_api import FakeBotApi

WEBHOOK_SECRET = "s3cret-platform_webhook"

bot_api = serving(FakeBotApi)


@pytest.fixture(autouse=True)
def platform_bot(settings, bot_api):
    settings.TELEGRAM_BOT_TOKEN = bot_api.token
    settings.TELEGRAM_API_BASE_URL = bot_api.url
    settings.TELEGRAM_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.OUTBOUND_HTTP_TIMEOUT_S = 0.5
    settings.OUTBOUND_HTTP_CONNECT_TIMEOUT_S = 0.5
    bot_api.webhook = {
        "url": "https://opsdesk.test/auth/telegram/webhook",
        "secret_token": WEBHOOK_SECRET,
        "allowed_updates": None,
    }
    cache.clear()
    return bot_api


@pytest.fixture
def telegram(bot_api, client, django_capture_on_commit_callbacks):
    """Plays Telegram: `telegram(update)` posts it to our webhook with the secret and runs what the
    commit triggers (the worker's processing runs eagerly, then the bot's replies)."""

    def deliver(update, secret=None):
        with django_capture_on_commit_callbacks(execute=True):
            return bot_api.deliver(update, client=client, secret=secret)

    return deliver
