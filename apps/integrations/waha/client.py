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
    if reachout_limited(response.status_code, body):
        return http.Outcome(
            http.PERMANENT, response.status_code, error_code=REACHOUT_CODE, error_title=REACHOUT_TITLE[:500]
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


REACHOUT_ERRORS = {463, 475}
REACHOUT_CODE = "NEW_CONTACTS_PAUSED"
REACHOUT_TITLE = (
    "WhatsApp is limiting messages to new contacts on this number (reach-out timelock or message cap, "
    "error 463/475). Existing conversations still work. Do not restart or re-pair the session: that does "
    "not lift it and can make it worse; wait until WhatsApp lifts it."
)


def reachout_limited(status_code, body) -> bool:
    """WhatsApp's 463 and 475 refusals, as WAHA passes them on: the HTTP status itself or the
    engine's error code in the body (`code`, `exception.code`, `data.code`)."""
    if status_code in REACHOUT_ERRORS:
        return True
    nested = [body] + [body.get(key) for key in ("exception", "data", "error") if isinstance(body.get(key), dict)]
    return any(_as_int(part.get("code")) in REACHOUT_ERRORS for part in nested)


def _as_int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def message_id_of(body) -> str:
    """The id WAHA's engines return: `id` as a string (WEBJS), `id._serialized`, or `key.id` (NOWEB)."""
    value = body.get("id")
    if isinstance(value, dict):
        value = value.get("_serialized") or value.get("id")
    if not value and isinstance(body.get("key"), dict):
        value = body["key"].get("id")
    return str(value or "")


# --- Sessions: WAHA's `/api/sessions` and `/api/{session}/auth` (one Session, explicit timeouts) ---

WEBHOOK_EVENTS = ("session.status", "message", "message.ack")
NOT_FOUND, AUTH_FAILED, WRONG_STATUS, REFUSED, UNAVAILABLE = (
    "not_found",
    "auth",
    "wrong_status",
    "refused",
    "unavailable",
)


class WahaError(Exception):
    """A WAHA call that did not succeed: `kind` is not_found (no such session), auth (wrong API
    key), wrong_status (the session is not in a status that allows it, e.g. no QR while WORKING),
    refused (any other 4xx) or unavailable (5xx, timeout, no connection: worth trying again)."""

    def __init__(self, kind, message, status_code=None, session_status=""):
        super().__init__(message)
        self.kind, self.message, self.status_code, self.session_status = kind, message, status_code, session_status


def session_name(connection) -> str:
    return connection.setting("session") or "default"


def session_config(connection, webhook_url, device_name=""):
    """The config Opsdesk creates sessions with: the tenant in `metadata` (WAHA repeats it in every
    webhook), one webhook to the connection's URL signed with its HMAC key, and the linked device's
    name (`client.deviceName`, shown in the phone's Linked devices)."""
    webhook = {"url": webhook_url, "events": list(WEBHOOK_EVENTS)}
    key = connection.secret("signing_secret")
    if key:
        webhook["hmac"] = {"key": key}
    config = {"metadata": {"tenant.id": str(connection.tenant_id)}, "webhooks": [webhook]}
    if device_name:
        config["client"] = {"deviceName": device_name}
    return config


def create_session(connection, *, webhook_url, device_name="", start=True) -> dict:
    config = session_config(connection, webhook_url, device_name)
    payload = {"name": session_name(connection), "start": start, "config": config}
    return _call(connection, "POST", "/api/sessions", json=payload)


def session_info(connection) -> dict:
    """{"name", "status", "config", "me", "engine"} as WAHA reports it now."""
    return _call(connection, "GET", f"/api/sessions/{session_name(connection)}")


def me(connection) -> dict | None:
    """The linked account ({"id": "<number>@c.us", "pushName"}), or None while nothing is linked."""
    return _call(connection, "GET", f"/api/sessions/{session_name(connection)}/me") or None


def start_session(connection) -> dict:
    return _call(connection, "POST", f"/api/sessions/{session_name(connection)}/start")


def stop_session(connection) -> dict:
    return _call(connection, "POST", f"/api/sessions/{session_name(connection)}/stop")


def restart_session(connection) -> dict:
    return _call(connection, "POST", f"/api/sessions/{session_name(connection)}/restart")


def logout_session(connection) -> dict:
    return _call(connection, "POST", f"/api/sessions/{session_name(connection)}/logout")


def delete_session(connection) -> dict:
    return _call(connection, "DELETE", f"/api/sessions/{session_name(connection)}")


def qr_png(connection) -> bytes:
    """The current QR code as a PNG image (only while the session is SCAN_QR_CODE)."""
    response = _request(connection, "GET", f"/api/{session_name(connection)}/auth/qr", headers={"Accept": "image/png"})
    return response.content


def qr_value(connection) -> str:
    """The current QR code's text (`?format=raw`), for rendering it ourselves."""
    return str(_call(connection, "GET", f"/api/{session_name(connection)}/auth/qr", params={"format": "raw"})["value"])


def request_pairing_code(connection, phone_number) -> str:
    """A code to type on the phone (Linked devices → Link with phone number) instead of a QR scan."""
    digits = "".join(ch for ch in str(phone_number) if ch.isdigit())
    body = _call(connection, "POST", f"/api/{session_name(connection)}/auth/request-code", json={"phoneNumber": digits})
    return str(body.get("code", ""))


def _call(connection, method, path, **kwargs):
    response = _request(connection, method, path, **kwargs)
    if not response.content:
        return {}
    body = http.json_body(response)
    return body if body else {}


def _request(connection, method, path, *, headers=None, **kwargs):
    url = connection.setting("base_url").rstrip("/") + path
    headers = {"X-Api-Key": connection.secret("api_key"), "Accept": "application/json", **(headers or {})}
    timeout = (settings.WAHA_CONNECT_TIMEOUT_S, settings.WAHA_READ_TIMEOUT_S)
    try:
        response = _session.request(method, url, headers=headers, timeout=timeout, **kwargs)
    except requests.Timeout as exc:
        raise WahaError(UNAVAILABLE, f"WAHA did not answer {method} {path} within {timeout[1]} s.") from exc
    except requests.RequestException as exc:
        raise WahaError(UNAVAILABLE, f"Could not reach WAHA at {url}: {type(exc).__name__}.") from exc
    if not response.ok:
        raise _error(response, method, path)
    return response


def _error(response, method, path) -> WahaError:
    body = http.json_body(response)
    message = str(body.get("message") or body.get("error") or response.reason or f"HTTP {response.status_code}")
    status = str(body.get("status") or "")
    if response.status_code == 401:
        return WahaError(AUTH_FAILED, "WAHA refused the API key (401): check the connection's api_key.", 401)
    if response.status_code == 404:
        return WahaError(NOT_FOUND, f"{message} (404).", 404)
    if response.status_code == 422 and status:
        expected = ", ".join(body.get("expected") or [])
        text = f"The session is {status}; {method} {path} needs {expected or 'another status'}."
        return WahaError(WRONG_STATUS, text, 422, status)
    kind = UNAVAILABLE if response.status_code >= 500 or response.status_code == 429 else REFUSED
    return WahaError(kind, f"WAHA answered {response.status_code}: {message}", response.status_code, status)
