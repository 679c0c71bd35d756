"""WAHA webhooks: HMAC-SHA512 of the body when the connection has a key (without one, anyone who
knows the URL can post events: the admin, `add_connection` and the health monitor say so). One
item per event. Its id is WAHA's event id (`evt_…`); WAHA's documented `session.status` example
and older versions send none, so the `X-Webhook-Request-Id` header stands in, and failing that a
SHA-256 of the raw body, so such deliveries are stored (once) instead of refused."""

import hashlib

from apps.integrations import signatures
from apps.integrations.delivery import Item, bad_payload, require_object

SIGNATURE_CODE = "WAHA_WEBHOOK_SIGNATURE_FAIL"


def verify(connection, request, body: bytes) -> bool:
    key = connection.secret("signing_secret")
    if not key:
        return True
    return signatures.waha_signature_ok(
        key, body, request.headers.get("X-Webhook-Hmac", ""), request.headers.get("X-Webhook-Hmac-Algorithm", "sha512")
    )


def items(connection, data, request) -> list[Item]:
    data = require_object(data)
    if not data.get("event"):
        raise bad_payload('A WAHA event needs "event".')
    return [Item(connection, external_id(data, request), str(data["event"]), data)]


def external_id(data, request) -> str:
    given = str(data.get("id") or "").strip() or request.headers.get("X-Webhook-Request-Id", "").strip()
    return given or "sha256:" + hashlib.sha256(request.body).hexdigest()
