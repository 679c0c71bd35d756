"""How each provider signs a delivery, written from the providers' documentation, so tests post
exactly what the real senders post."""

import base64
import hashlib
import hmac
import json
import time
import uuid


def body_of(payload) -> bytes:
    return payload if isinstance(payload, bytes) else json.dumps(payload).encode()


def meta_headers(secret, body):
    return {"HTTP_X_HUB_SIGNATURE_256": "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()}


def waha_headers(key, body):
    return {
        "HTTP_X_WEBHOOK_HMAC": hmac.new(key.encode(), body, hashlib.sha512).hexdigest(),
        "HTTP_X_WEBHOOK_HMAC_ALGORITHM": "sha512",
        "HTTP_X_WEBHOOK_TIMESTAMP": str(int(time.time() * 1000)),
    }


def chatwoot_headers(secret, body, timestamp=None):
    timestamp = str(timestamp or int(time.time()))
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return {
        "HTTP_X_CHATWOOT_SIGNATURE": f"sha256={digest}",
        "HTTP_X_CHATWOOT_TIMESTAMP": timestamp,
        "HTTP_X_CHATWOOT_DELIVERY": str(uuid.uuid4()),
    }


def pms_signature(secret, msg_id, timestamp, body):
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def pms_headers(secret, body, msg_id=None, timestamp=None):
    msg_id, timestamp = msg_id or f"msg_{uuid.uuid4().hex}", str(timestamp or int(time.time()))
    return {
        "HTTP_WEBHOOK_ID": msg_id,
        "HTTP_WEBHOOK_TIMESTAMP": timestamp,
        "HTTP_WEBHOOK_SIGNATURE": pms_signature(secret, msg_id, timestamp, body),
    }


def telegram_headers(token, body=None):
    return {"HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN": token}


def n8n_headers(token, body=None):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def meta_delivery(phone_number_id="1065551234", messages=(), statuses=(), contacts=()):
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550001234", "phone_number_id": phone_number_id},
    }
    if messages:
        value["messages"], value["contacts"] = list(messages), list(contacts)
    if statuses:
        value["statuses"] = list(statuses)
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "WABA_ID", "changes": [{"field": "messages", "value": value}]}],
    }


def meta_text(message_id, sender="4915112345678", text="Hello", timestamp=None):
    return {
        "from": sender,
        "id": message_id,
        "timestamp": str(timestamp or int(time.time())),
        "type": "text",
        "text": {"body": text},
    }


def meta_status(message_id, status="delivered", recipient="4915112345678", errors=None):
    item = {"id": message_id, "status": status, "timestamp": str(int(time.time())), "recipient_id": recipient}
    if errors:
        item["errors"] = errors
    return item
