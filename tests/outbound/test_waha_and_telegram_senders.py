"""WAHA and Telegram sends against local fakes: success stores the provider's id, 429 and 5xx
are retried (Telegram's retry_after honoured), other 4xx fail with the provider's event code,
and the Telegram bot token (part of the URL) never reaches the attempt log."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.events.models import SystemEvent
from apps.outbound import services
from apps.outbound.models import Status
from tests.fakes import telegram as tg
from tests.fakes import waha as wa
from tests.outbound.conftest import PHONE, queued

pytestmark = pytest.mark.django_db
CHAT = "987654321"


def dispatched(message, now=None):
    services.dispatch(message.pk, now=now)
    message.refresh_from_db()
    return message


def test_waha_sends_text_to_the_chat_id_with_session_and_key(tenant, waha, waha_server):
    message = dispatched(queued(tenant, waha))
    assert message.status == Status.SENT and message.provider_message_id.startswith(f"true_{PHONE}@c.us_")
    sent = waha_server.requests_to("/api/sendText")[0]
    assert sent.json() == {"session": "default", "chatId": f"{PHONE}@c.us", "text": "Your table is ready."}
    assert sent.headers["X-Api-Key"] == "waha-key"
    assert "waha-key" not in str(message.attempt_log.get().request_summary)


def test_waha_free_text_needs_no_24_hour_window(tenant, waha, waha_server):
    assert dispatched(queued(tenant, waha, to="+49 151 0000 0009")).status == Status.SENT


def test_waha_stopped_session_fails_with_waha_send_fail(tenant, waha, waha_server):
    waha_server.script(wa.session_stopped())
    message = dispatched(queued(tenant, waha))
    assert message.status == Status.FAILED and message.last_error_code == "422"
    assert "STOPPED" in message.last_error
    assert SystemEvent.objects.get(code="WAHA_SEND_FAIL").meta["outbound_message_id"] == message.pk


def test_waha_429_and_5xx_are_retried(tenant, waha, waha_server):
    waha_server.script(wa.rate_limited(retry_after=30), wa.server_error())
    message = dispatched(queued(tenant, waha))
    assert message.status == Status.QUEUED and message.attempt_log.get().retry_after_s == 30.0
    message = dispatched(message, now=message.next_attempt_at + timedelta(seconds=10))
    assert message.status == Status.QUEUED and message.last_error_code == "500"


def test_telegram_sends_and_stores_chat_and_message_id(tenant, telegram, telegram_server):
    message = dispatched(queued(tenant, telegram, to=CHAT))
    assert message.status == Status.SENT and message.provider_message_id == f"{CHAT}:100"
    assert telegram_server.requests_to(telegram_server.path)[0].json() == {
        "chat_id": CHAT,
        "text": "Your table is ready.",
    }


def test_telegram_token_never_reaches_the_attempt_log(tenant, telegram, telegram_server):
    message = dispatched(queued(tenant, telegram, to=CHAT))
    summary = message.attempt_log.get().request_summary
    assert telegram_server.token not in str(summary) and summary["url"].endswith("/bot<token>/sendMessage")


def test_telegram_429_honours_retry_after_from_the_body(tenant, telegram, telegram_server):
    telegram_server.script(tg.rate_limited(retry_after=45))
    before = timezone.now()
    message = dispatched(queued(tenant, telegram, to=CHAT))
    assert message.status == Status.QUEUED and message.next_attempt_at >= before + timedelta(seconds=45)
    assert message.last_error_code == "429"


def test_telegram_blocked_by_user_is_permanent(tenant, telegram, telegram_server):
    telegram_server.script(tg.blocked_by_user())
    message = dispatched(queued(tenant, telegram, to=CHAT))
    assert message.status == Status.FAILED and "blocked by the user" in message.last_error
    assert SystemEvent.objects.filter(code="TELEGRAM_SEND_FAIL").count() == 1


def test_telegram_5xx_is_retried(tenant, telegram, telegram_server):
    telegram_server.script(tg.server_error())
    message = dispatched(queued(tenant, telegram, to=CHAT))
    assert message.status == Status.QUEUED and message.attempt_log.get().status_code == 502
