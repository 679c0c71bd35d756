"""n8n callbacks that finish automation runs, authenticated by the connection's bearer token.
One callback per run and outcome: a repeated callback is a duplicate."""

from apps.integrations import signatures
from apps.integrations.delivery import Item, bad_payload, require_object

SIGNATURE_CODE = "N8N_WEBHOOK_SIGNATURE_FAIL"
OUTCOMES = ("succeeded", "failed")


def verify(connection, request, body: bytes) -> bool:
    token = connection.secret("signing_secret") or connection.secret("token")
    return signatures.bearer_ok(token, request.headers.get("Authorization", ""))


def items(connection, data, request) -> list[Item]:
    data = require_object(data)
    if not data.get("run_id") or data.get("status") not in OUTCOMES:
        raise bad_payload('An n8n callback needs "run_id" and "status" ("succeeded" or "failed").')
    return [Item(connection, f"{data['run_id']}:{data['status']}", "run_finished", data)]
