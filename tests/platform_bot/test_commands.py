"""manage.py telegram_set_webhook, telegram_status and telegram_bind_code; the webhook status the
signup page reads and the telegram_platform_bot health check."""

import time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from apps.health import checks
from apps.platform_bot import services, status
from tests.fakes.telegram_bot_api import server_error

pytestmark = pytest.mark.django_db
PUBLIC = "https://ops.example.com"


def run(*args):
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_set_webhook_registers_our_url_and_secret_and_prints_telegrams_answer(bot_api):
    out, _ = run("telegram_set_webhook", PUBLIC + "/")

    assert bot_api.webhook["url"] == PUBLIC + "/auth/telegram/webhook"
    assert bot_api.webhook["secret_token"] == "s3cret-platform_webhook"
    assert "Telegram answered: ok (Webhook was set)" in out


def test_set_webhook_prints_telegrams_refusal(bot_api):
    with pytest.raises(CommandError, match="An HTTPS URL must be provided"):
        run("telegram_set_webhook", "http://ops.example.com")


def test_set_webhook_without_a_secret_refuses(bot_api, settings):
    settings.TELEGRAM_WEBHOOK_SECRET = ""

    with pytest.raises(CommandError, match="TELEGRAM_WEBHOOK_SECRET"):
        run("telegram_set_webhook", PUBLIC)
    assert bot_api.calls("setWebhook") == []


def test_status_in_plain_words_when_all_is_well(bot_api):
    run("telegram_set_webhook", PUBLIC)

    out, _ = run("telegram_status")

    assert "Bot: @opsdesk_platform_bot" in out and "Updates waiting at Telegram: 0" in out
    assert "Last delivery error: none reported" in out and out.strip().splitlines()[-1].startswith("OK:")


def test_status_fails_on_a_recent_delivery_error(bot_api):
    run("telegram_set_webhook", PUBLIC)
    bot_api.fail_webhook("Wrong response from the webhook: 401 Unauthorized", pending=7)

    with pytest.raises(CommandError, match="401 Unauthorized"):
        out, _ = run("telegram_status")


def test_status_fails_without_a_webhook(bot_api):
    bot_api.webhook = {"url": "", "secret_token": "", "allowed_updates": None}

    with pytest.raises(CommandError, match="telegram_set_webhook"):
        run("telegram_status")


def test_status_fails_when_the_webhook_points_elsewhere(bot_api):
    bot_api.webhook["url"] = "https://old.example.com/hook"

    with pytest.raises(CommandError, match="not at this Opsdesk"):
        run("telegram_status")


def test_bind_code_command_prints_a_working_code(bot_api, telegram, staff):
    out, err = run("telegram_bind_code", staff.username)
    code = out.strip()

    assert f"/bind {code}" in err
    assert services.bind(code, telegram_user_id=1, chat_id=1).ok


def test_bind_code_for_an_unknown_user_fails(db):
    with pytest.raises(CommandError, match="No active user"):
        run("telegram_bind_code", "nobody")


def test_webhook_status_is_cached(bot_api):
    first = status.webhook_status()
    bot_api.webhook["url"] = ""

    assert status.webhook_status() == first and len(bot_api.calls("getWebhookInfo")) == 1
    status.forget()
    assert not status.webhook_status().ok


def test_webhook_status_without_a_token_says_why(bot_api, settings):
    settings.TELEGRAM_BOT_TOKEN = ""

    answer = status.read_status(status.BotApi())

    assert not answer.ok and "TELEGRAM_BOT_TOKEN" in answer.reason and bot_api.requests == []


def test_webhook_status_when_telegram_fails(bot_api):
    bot_api.script(server_error())

    answer = status.webhook_status()

    assert not answer.ok and "502" in answer.reason


def test_an_old_delivery_error_does_not_fail_the_status(bot_api):
    bot_api.webhook_error = (int(time.time()) - 3600, "Connection timed out")

    assert status.webhook_status().ok


def test_health_check_passes_fails_and_skips(bot_api, settings):
    assert checks.run("telegram_platform_bot").status == checks.PASS
    bot_api.fail_webhook()
    assert checks.run("telegram_platform_bot").status == checks.FAIL
    settings.TELEGRAM_BOT_TOKEN = ""
    assert checks.run("telegram_platform_bot").status == checks.SKIP
