"""The platform bot's Bot API client against a local Telegram: results, buttons, and errors
classified the way the callers need them."""

import pytest

from apps.integrations.telegram.bot_api import BotApi, BotApiError
from tests.fakes.server import Reply
from tests.fakes.telegram_bot_api import blocked_by_user, rate_limited, server_error

CHAT = 424242


def test_send_message_returns_telegram_message_with_the_buttons(bot_api):
    message = BotApi().send_message(CHAT, "Incident #4", buttons=[[("Acknowledge", "incident:ack:4")]])

    assert message["chat"]["id"] == CHAT and message["text"] == "Incident #4"
    assert bot_api.buttons(bot_api.last_message(CHAT)) == [("Acknowledge", "incident:ack:4")]


def test_edit_and_answer_callback(bot_api):
    api = BotApi()
    message = api.send_message(CHAT, "before", buttons=[[("Ack", "incident:ack:1")]])

    api.edit_message_text(CHAT, message["message_id"], "after")
    api.answer_callback_query("77", "Done", show_alert=True)

    assert bot_api.last_message(CHAT)["text"] == "after" and "reply_markup" not in bot_api.last_message(CHAT)
    assert bot_api.answers == [{"callback_query_id": "77", "text": "Done", "show_alert": True}]


def test_editing_to_the_same_text_is_not_modified(bot_api):
    api = BotApi()
    message = api.send_message(CHAT, "same")

    with pytest.raises(BotApiError) as raised:
        api.edit_message_text(CHAT, message["message_id"], "same")

    assert raised.value.code == 400 and raised.value.not_modified and not raised.value.retryable


def test_a_wrong_token_is_unauthorized_and_not_retryable(bot_api):
    with pytest.raises(BotApiError) as raised:
        BotApi(token="7000001:AAH-someone-elses-token-xxxxxx").get_me()

    assert (raised.value.code, raised.value.description, raised.value.retryable) == (401, "Unauthorized", False)
    assert "AAH" not in str(raised.value)


@pytest.mark.parametrize(
    ("reply", "code", "retryable"),
    [(blocked_by_user(), 403, False), (server_error(), 502, True)],
)
def test_errors_are_classified(bot_api, reply, code, retryable):
    bot_api.script(reply)

    with pytest.raises(BotApiError) as raised:
        BotApi().send_message(CHAT, "hello")

    assert (raised.value.code, raised.value.retryable, raised.value.method) == (code, retryable, "sendMessage")


def test_unknown_chat_is_chat_not_found(bot_api):
    bot_api.chats = {1}

    with pytest.raises(BotApiError) as raised:
        BotApi().send_message(CHAT, "hello")

    assert raised.value.description == "Bad Request: chat not found"


def test_a_short_429_is_waited_out_once(bot_api):
    bot_api.script(rate_limited(retry_after=1))

    BotApi().send_message(CHAT, "hello")

    assert len(bot_api.calls("sendMessage")) == 2 and len(bot_api.sent(CHAT)) == 1


def test_a_long_429_is_raised_with_its_retry_after(bot_api):
    bot_api.script(rate_limited(retry_after=30))

    with pytest.raises(BotApiError) as raised:
        BotApi().send_message(CHAT, "hello")

    assert (raised.value.code, raised.value.retry_after, raised.value.retryable) == (429, 30.0, True)
    assert len(bot_api.calls("sendMessage")) == 1


def test_telegram_unreachable_is_a_retryable_connection_error(bot_api):
    bot_api.stop()

    with pytest.raises(BotApiError) as raised:
        BotApi().get_me()

    assert raised.value.code == "connection_error" and raised.value.retryable


def test_no_answer_in_time_is_a_retryable_timeout(bot_api):
    bot_api.script(Reply(200, {"ok": True, "result": {}}, delay=1.5))

    with pytest.raises(BotApiError) as raised:
        BotApi().get_me()

    assert raised.value.code == "timeout" and raised.value.retryable


def test_without_a_token_nothing_is_called(bot_api, settings):
    settings.TELEGRAM_BOT_TOKEN = ""
    api = BotApi()

    with pytest.raises(BotApiError) as raised:
        api.get_me()

    assert not api.is_configured() and raised.value.code == "not_configured" and bot_api.requests == []


def test_set_webhook_registers_the_secret_and_get_webhook_info_reports_it(bot_api):
    api = BotApi()

    assert api.set_webhook("https://ops.example.com/auth/telegram/webhook", "abc_DEF-1") is True
    info = api.get_webhook_info()

    assert info["url"] == "https://ops.example.com/auth/telegram/webhook" and info["pending_update_count"] == 0
    assert bot_api.webhook["secret_token"] == "abc_DEF-1"
