"""Telegram Bot API updates, authenticated by the secret token given to setWebhook."""

from apps.integrations import signatures
from apps.integrations.delivery import Item, bad_payload, require_object

SIGNATURE_CODE = "TELEGRAM_WEBHOOK_SIGNATURE_FAIL"


def verify(connection, request, body: bytes) -> bool:
    return signatures.token_ok(
        connection.secret("signing_secret"), request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    )


def items(connection, data, request) -> list[Item]:
    data = require_object(data)
    if not isinstance(data.get("update_id"), int):
        raise bad_payload('A Telegram update needs an integer "update_id".')
    kinds = [key for key in data if key != "update_id"]
    return [Item(connection, str(data["update_id"]), kinds[0] if kinds else "update", data)]
