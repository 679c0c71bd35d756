"""WAHA sender: `POST /api/sendText` with the connection's session and API key. WAHA has no error
codes of its own beyond the HTTP status, so 429 and 5xx are retried and other 4xx are final (a
401 is a wrong API key; a 422 says the session is not running)."""

import requests
from django.conf import settings

from apps.core import backoff
from apps.integrations import http

_session = requests.Session()


def send_url(connection) -> str:
    return f"{connection.setting('base_url').rstrip('/')}/api/sendText"


def chat_id(contact_id: str) -> str:
    """WAHA addresses people as `<digits>@c.us`; a full chat id (groups: `@g.us`) passes as is."""
    return contact_id if "@" in contact_id else f"{contact_id}@c.us"


def send_text(connection, to, text) -> http.Outcome:
    payload = {"session": connection.setting("session") or "default", "chatId": chat_id(to), "text": text}
    summary = {
        "method": "POST",
        "url": send_url(connection),
        "session": payload["session"],
        "chatId": payload["chatId"],
        "chars": len(text),
    }
    return http.exchange(
        _session,
        send_url(connection),
        payload=payload,
        headers={"X-Api-Key": connection.secret("api_key")},
        timeout=(settings.OUTBOUND_HTTP_CONNECT_TIMEOUT_S, settings.OUTBOUND_HTTP_TIMEOUT_S),
        summary=summary,
        classify=classify,
    )


def classify(response) -> http.Outcome:
    body = http.json_body(response)
    if response.ok:
        message_id = message_id_of(body)
        if message_id:
            return http.Outcome(http.SUCCESS, response.status_code, provider_message_id=message_id)
        return http.Outcome(
            http.PERMANENT,
            response.status_code,
            error_code="no_message_id",
            error_title="WAHA accepted the request but returned no message id.",
        )
    title = body.get("message") or body.get("error") or response.reason or ""
    if body.get("status"):
        title = f"{title} (session {body.get('session', '')} is {body['status']})"
    return http.Outcome(
        http.by_status(response.status_code),
        response.status_code,
        error_code=str(response.status_code),
        error_title=str(title)[:500],
        retry_after=backoff.retry_after_seconds(response.headers.get("Retry-After")),
    )


def message_id_of(body) -> str:
    """The id WAHA's engines return: `id` as a string (WEBJS), `id._serialized`, or `key.id` (NOWEB)."""
    value = body.get("id")
    if isinstance(value, dict):
        value = value.get("_serialized") or value.get("id")
    if not value and isinstance(body.get("key"), dict):
        value = body["key"].get("id")
    return str(value or "")
