"""The bot's answers to what people do in Telegram: replies to commands, answers to button presses,
edits of the pressed message. They are sent after the processing transaction commits (never while
it holds the update's row lock), once: a late answer to a press is useless, so a failure is not
retried but recorded as TELEGRAM_SEND_FAIL with what to do about it. Alerts, which must arrive, go
through the incidents' notification outbox instead, with retries."""

import logging

from django.db import transaction

from apps.events import emit
from apps.integrations.telegram.bot_api import BotApi, BotApiError

logger = logging.getLogger("opsdesk.platform_bot")


def send_after_commit(chat_id, text, buttons=None):
    transaction.on_commit(lambda: call("send_message", chat_id, text, buttons=buttons))


def edit_after_commit(chat_id, message_id, text, buttons=None):
    transaction.on_commit(lambda: call("edit_message_text", chat_id, message_id, text, buttons=buttons))


def answer_after_commit(callback_query_id, text, show_alert=False):
    transaction.on_commit(lambda: call("answer_callback_query", callback_query_id, text, show_alert=show_alert))


def call(method, *args, **kwargs):
    """Calls BotApi().<method>; a failure becomes a TELEGRAM_SEND_FAIL event and None."""
    try:
        return getattr(BotApi(), method)(*args, **kwargs)
    except BotApiError as error:
        if not error.not_modified:
            send_failed(error, f"the bot's {method}")
        return None


def send_failed(error: BotApiError, what: str, **links):
    """Records a failed platform bot call: the method, Telegram's code and description, the fix."""
    logger.warning("platform bot: %s failed: %s", what, error)
    return emit(
        "TELEGRAM_SEND_FAIL",
        source="platform_bot",
        message=f"{what} failed ({error.method}): {error.code} {error.description}. Fix: {error.fix}",
        meta={
            "method": error.method,
            "error_code": str(error.code),
            "description": error.description,
            "retry_after": error.retry_after,
            "fix": error.fix,
            "runbook": "signup-pin",
        },
        **links,
    )
