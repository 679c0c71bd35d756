"""Hotel PMS webhooks, signed with the Standard Webhooks scheme (`webhook-id`,
`webhook-timestamp`, `webhook-signature`); the webhook id is the item's id."""

from apps.integrations import signatures
from apps.integrations.delivery import Item, bad_payload, require_object

SIGNATURE_CODE = "PMS_WEBHOOK_SIGNATURE_FAIL"


def verify(connection, request, body: bytes) -> bool:
    headers = request.headers
    return signatures.standard_webhooks_ok(
        connection.secret("signing_secret"),
        body,
        headers.get("webhook-id", ""),
        headers.get("webhook-timestamp", ""),
        headers.get("webhook-signature", ""),
    )


def items(connection, data, request) -> list[Item]:
    data = require_object(data)
    if not data.get("type") or not isinstance(data.get("data"), dict):
        raise bad_payload('A PMS event needs "type" and a "data" object.')
    return [Item(connection, request.headers["webhook-id"], str(data["type"]), data)]
