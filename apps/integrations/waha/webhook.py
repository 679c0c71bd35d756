"""WAHA webhooks: HMAC-SHA512 of the body when the connection has a key; one item per event,
identified by WAHA's own event id."""
from apps.integrations import signatures
from apps.integrations.delivery import Item, bad_payload, require_object

SIGNATURE_CODE = "WAHA_WEBHOOK_SIGNATURE_FAIL"


def verify(connection, request, body: bytes) -> bool:
    key = connection.secret("signing_secret")
    if not key:
        return True
    return signatures.waha_signature_ok(key, body, request.headers.get("X-Webhook-Hmac", ""),
                                        request.headers.get("X-Webhook-Hmac-Algorithm", "sha512"))


def items(connection, data, request) -> list[Item]:
    data = require_object(data)
    if not data.get("id") or not data.get("event"):
        raise bad_payload('A WAHA event needs "id" and "event".')
    return [Item(connection, str(data["id"]), str(data["event"]), data)]
