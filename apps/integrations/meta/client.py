"""WhatsApp Cloud API sender: `POST /{phone-number-id}/messages` on the Graph API with the
connection's access token. An answer is classified by Meta's error code first (the HTTP status
alone misleads: throughput errors come back as 400), then by HTTP status."""

import requests
from django.conf import settings

from apps.core import backoff
from apps.integrations import http
from apps.integrations.meta.graph import graph_url

RETRYABLE_CODES = frozenset({1, 2, 4, 80007, 130429, 131000, 131016, 131056})
TOKEN_CODES = frozenset({190})
PERMANENT_CODES = frozenset(
    {
        131047,  # more than 24 hours since the customer last wrote: a template is needed
        131026,  # recipient cannot receive the message (not on WhatsApp)
        131049,
        131050,  # marketing limits, recipient stopped marketing messages
        131031,
        368,  # business account locked or restricted
        *range(132000, 132017),  # template errors
    }
)

_session = requests.Session()


def messages_url(connection) -> str:
    return graph_url(connection, f"{connection.setting('phone_number_id')}/messages")


def text_payload(to, body) -> dict:
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "text",
        "text": {"preview_url": False, "body": body},
    }


def template_payload(to, template) -> dict:
    parameters = [{"type": "text", "text": str(value)} for value in template.get("parameters") or []]
    body = {"name": template["name"], "language": {"code": template.get("language") or "en_US"}}
    if parameters:
        body["components"] = [{"type": "body", "parameters": parameters}]
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "template",
        "template": body,
    }


def summary(connection, payload) -> dict:
    """What was sent, for the attempt log: never the token, never the text itself."""
    part = payload.get(payload["type"], {})
    return {
        "method": "POST",
        "url": messages_url(connection),
        "to": payload["to"],
        "type": payload["type"],
        "template": part.get("name", "") if payload["type"] == "template" else "",
        "chars": len(part.get("body", "")) if payload["type"] == "text" else 0,
    }


def send(connection, payload) -> http.Outcome:
    token = connection.secret("access_token")
    if not token:
        return http.Outcome(
            http.AUTH,
            error_code="no_access_token",
            error_title="The connection has no access token.",
            request_summary=summary(connection, payload),
        )
    return http.exchange(
        _session,
        messages_url(connection),
        payload=payload,
        headers={"Authorization": f"Bearer {token}"},
        timeout=(settings.OUTBOUND_HTTP_CONNECT_TIMEOUT_S, settings.OUTBOUND_HTTP_TIMEOUT_S),
        summary=summary(connection, payload),
        classify=classify,
    )


def classify(response) -> http.Outcome:
    body = http.json_body(response)
    if response.ok:
        return _accepted(response.status_code, body)
    error = body.get("error") if isinstance(body.get("error"), dict) else {}
    code = error.get("code")
    return http.Outcome(
        kind_for(code, response.status_code),
        response.status_code,
        error_code=str(code or ""),
        error_title=_title(error, response),
        retry_after=backoff.retry_after_seconds(response.headers.get("Retry-After")),
    )


def _accepted(status_code, body) -> http.Outcome:
    messages = body.get("messages") or [{}]
    message_id = messages[0].get("id") if isinstance(messages[0], dict) else None
    if not message_id:
        return http.Outcome(
            http.PERMANENT,
            status_code,
            error_code="no_message_id",
            error_title="Meta accepted the request but returned no message id.",
        )
    return http.Outcome(http.SUCCESS, status_code, provider_message_id=str(message_id))


def kind_for(code, status_code) -> str:
    if code in TOKEN_CODES:
        return http.AUTH
    if code in RETRYABLE_CODES:
        return http.RETRYABLE
    if code in PERMANENT_CODES:
        return http.PERMANENT
    return http.by_status(status_code)


def _title(error, response) -> str:
    details = (error.get("error_data") or {}).get("details", "") if isinstance(error.get("error_data"), dict) else ""
    text = error.get("error_user_title") or error.get("message") or response.reason or ""
    return f"{text} {details}".strip()[:500]
