"""Chatwoot webhooks. Chatwoot 4.11.2 and later sign deliveries when the webhook has a secret;
older versions send none, so a connection without a secret accepts unsigned deliveries (the admin
says so). Chatwoot sends once and never retries."""

from apps.integrations import signatures
from apps.integrations.delivery import Item, bad_payload, content_hash, require_object

SIGNATURE_CODE = "CHATWOOT_WEBHOOK_SIGNATURE_FAIL"


def verify(connection, request, body: bytes) -> bool:
    secret = connection.secret("signing_secret")
    if not secret:
        return True
    return signatures.chatwoot_signature_ok(
        secret, body, request.headers.get("X-Chatwoot-Signature", ""), request.headers.get("X-Chatwoot-Timestamp", "")
    )


def items(connection, data, request) -> list[Item]:
    data = require_object(data)
    event = data.get("event")
    if not event:
        raise bad_payload('A Chatwoot delivery needs "event".')
    return [Item(connection, _external_id(event, data, request), str(event), data)]


def _external_id(event, data, request):
    """Event and id; a status change of the same conversation happens many times, so its status
    and time are part of the id. Without an id, the delivery id (or the content) stands in."""
    if data.get("id") is None:
        return f"{event}:{request.headers.get('X-Chatwoot-Delivery') or content_hash(data)}"
    if event == "conversation_status_changed":
        return f"{event}:{data['id']}:{data.get('status', '')}:{data.get('updated_at') or data.get('timestamp', '')}"
    return f"{event}:{data['id']}"
