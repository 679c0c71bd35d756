"""Telegram sender: `sendMessage` on the Bot API. Telegram answers `{"ok": false, "error_code",
"description", "parameters": {"retry_after"}}`; its error code is the HTTP status, so 429 (with
`retry_after`) and 5xx are retried and other 4xx (403: the user blocked the bot) are final.
The bot token is part of the URL, so the attempt log keeps a redacted URL."""

import requests
from django.conf import settings

from apps.core import backoff
from apps.integrations import http

_session = requests.Session()


def api_base(connection) -> str:
    return (connection.setting("api_base_url") or settings.TELEGRAM_API_BASE_URL).rstrip("/")


def send_message(connection, chat_id, text) -> http.Outcome:
    payload = {"chat_id": chat_id, "text": text}
    summary = {
        "method": "POST",
        "url": f"{api_base(connection)}/bot<token>/sendMessage",
        "chat_id": chat_id,
        "chars": len(text),
    }
    url = f"{api_base(connection)}/bot{connection.secret('bot_token')}/sendMessage"
    return http.exchange(
        _session,
        url,
        payload=payload,
        headers={},
        timeout=(settings.OUTBOUND_HTTP_CONNECT_TIMEOUT_S, settings.OUTBOUND_HTTP_TIMEOUT_S),
        summary=summary,
        classify=lambda response: classify(response, chat_id),
    )


def classify(response, chat_id) -> http.Outcome:
    body = http.json_body(response)
    if response.ok and body.get("ok"):
        message_id = (body.get("result") or {}).get("message_id")
        return http.Outcome(http.SUCCESS, response.status_code, provider_message_id=f"{chat_id}:{message_id}")
    code = body.get("error_code") or response.status_code
    parameters = body.get("parameters") if isinstance(body.get("parameters"), dict) else {}
    retry_after = parameters.get("retry_after", response.headers.get("Retry-After"))
    return http.Outcome(
        http.by_status(int(code)) if str(code).isdigit() else http.PERMANENT,
        response.status_code,
        error_code=str(code),
        error_title=str(body.get("description") or response.reason or "")[:500],
        retry_after=backoff.retry_after_seconds(retry_after),
    )
