"""Meta's WhatsApp Cloud API webhooks: the subscription handshake, the app-secret signature, and
one item per message and per status of a (possibly batched) delivery."""

from django.conf import settings

from apps.integrations import signatures
from apps.integrations.delivery import Item, Refused, bad_payload, content_hash, require_object
from apps.integrations.models import Connection, Provider

SIGNATURE_CODE = "META_WEBHOOK_VERIFY_FAIL"


def handshake(params) -> str:
    """The `hub.challenge` to echo when the subscription request carries our verify token."""
    token_ok = signatures.token_ok(settings.META_VERIFY_TOKEN, params.get("hub.verify_token", ""))
    if params.get("hub.mode") != "subscribe" or not token_ok:
        raise Refused(403, "verification_failed", "hub.mode must be subscribe and hub.verify_token must match.")
    return params.get("hub.challenge", "")


def verify(request, body: bytes) -> bool:
    return signatures.meta_signature_ok(settings.META_APP_SECRET, body, request.headers.get("X-Hub-Signature-256", ""))


def items(data) -> list[Item]:
    changes = list(_changes(require_object(data)))
    connections = _connections({_phone_number_id(value) for _, value in changes})
    found = []
    for field_name, value in changes:
        connection = connections[_phone_number_id(value)]
        found.extend(_items_of_change(connection, field_name, value))
    return found


def _changes(data):
    if data.get("object") != "whatsapp_business_account" or not isinstance(data.get("entry"), list):
        raise bad_payload('Expected {"object": "whatsapp_business_account", "entry": [...]}.')
    for entry in data["entry"]:
        for change in require_object(entry, "Each entry").get("changes") or []:
            change = require_object(change, "Each change")
            yield change.get("field", ""), require_object(change.get("value") or {}, "A change's value")


def _phone_number_id(value) -> str:
    return str((value.get("metadata") or {}).get("phone_number_id") or "")


def _connections(phone_number_ids) -> dict:
    found = {
        c.external_key: c
        for c in Connection.objects.select_related("tenant").filter(
            provider=Provider.META, external_key__in=phone_number_ids, is_active=True
        )
    }
    unknown = sorted(phone_number_ids - set(found))
    if unknown:
        raise Refused(
            404, "unknown_phone_number", f"No active connection has phone_number_id {', '.join(unknown) or '(empty)'}."
        )
    return found


def _items_of_change(connection, field_name, value):
    context = {"metadata": value.get("metadata", {}), "contacts": value.get("contacts", [])}
    for message in value.get("messages") or []:
        yield Item(connection, _required_id(message, "message"), "message", {**context, "message": message})
    for status in value.get("statuses") or []:
        external_id = f"{_required_id(status, 'status')}:{status.get('status', '')}"
        yield Item(connection, external_id, "status", {**context, "status": status})
    if not value.get("messages") and not value.get("statuses"):
        yield Item(connection, f"{field_name}:{content_hash(value)}", field_name or "change", value)


def _required_id(item, kind):
    if not isinstance(item, dict) or not item.get("id"):
        raise bad_payload(f"Every {kind} must carry an id.")
    return str(item["id"])
