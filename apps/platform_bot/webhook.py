"""From Telegram's POST to stored updates: the bot must be configured, the secret Telegram echoes in
`X-Telegram-Bot-Api-Secret-Token` must match TELEGRAM_WEBHOOK_SECRET (compared in constant time),
and the body must be an update with an integer `update_id`. Then the update goes into the shared
inbox (`apps.integrations.inbox`) once per `update_id`, without a tenant or connection, and the
worker processes it (`apps.platform_bot.updates`). Nothing is stored unless every check passed."""

from django.conf import settings

from apps.integrations import inbox, receiving, signatures
from apps.integrations.delivery import Item, Refused, bad_payload, parse_json, require_object

PROVIDER = "platform_bot"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
UNAUTHORIZED_CODE = "TELEGRAM_WEBHOOK_UNAUTHORIZED"


def receive(request) -> tuple[int, int]:
    require_configured()
    body = receiving.read_body(request)
    if not signatures.token_ok(settings.TELEGRAM_WEBHOOK_SECRET, request.headers.get(SECRET_HEADER, "")):
        wrong_secret(request)
        raise Refused(401, "bad_secret", f"{SECRET_HEADER} is missing or is not the webhook secret.")
    return inbox.store(PROVIDER, items(parse_json(body)), request, body)


def require_configured():
    if not settings.TELEGRAM_BOT_TOKEN:
        raise Refused(503, "bot_not_configured", "The platform Telegram bot is off: TELEGRAM_BOT_TOKEN is not set.")
    if not settings.TELEGRAM_WEBHOOK_SECRET:
        raise Refused(
            503,
            "bot_not_configured",
            "TELEGRAM_WEBHOOK_SECRET is not set, so deliveries cannot be authenticated; set it and run "
            "manage.py telegram_set_webhook.",
        )


def items(data) -> list[Item]:
    data = require_object(data)
    if not isinstance(data.get("update_id"), int) or isinstance(data.get("update_id"), bool):
        raise bad_payload('A Telegram update needs an integer "update_id".')
    kinds = [key for key in data if key != "update_id"]
    return [Item(None, str(data["update_id"]), kinds[0] if kinds else "update", data)]


def wrong_secret(request):
    receiving.record_refusal(
        UNAUTHORIZED_CODE,
        PROVIDER,
        None,
        request,
        f"Refused a delivery to the platform bot's webhook with a missing or wrong secret from "
        f"{request.META.get('REMOTE_ADDR', '?')}. If Telegram sent it, the secret changed: run "
        f"manage.py telegram_set_webhook <public-base-url> again.",
    )
