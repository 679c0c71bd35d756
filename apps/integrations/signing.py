"""Signing a webhook delivery the way each provider does, so an operator can post a test event to a
connection (`manage.py sign_webhook`). The mirror of the verifiers in signatures.py and
<provider>/webhook.py: what one signs, the other accepts."""

import secrets
import time

from django.conf import settings

from apps.core.errors import ServiceError
from apps.integrations import signatures
from apps.integrations.models import Provider

# provider: (header names, how it is signed) — the README's webhook table says the same.
SCHEMES = {
    Provider.META: "X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body, keyed with META_APP_SECRET>",
    Provider.WAHA: "X-Webhook-Hmac: <hex HMAC-SHA512 of the body>, X-Webhook-Hmac-Algorithm: sha512",
    Provider.CHATWOOT: "X-Chatwoot-Timestamp: <unix s>, X-Chatwoot-Signature: sha256=<hex HMAC-SHA256 of "
    '"<timestamp>.<body>">',
    Provider.PMS: "Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature: v1,<base64 HMAC-SHA256 of "
    '"<id>.<timestamp>.<body>"> keyed with the whsec_ secret',
    Provider.TELEGRAM: "X-Telegram-Bot-Api-Secret-Token: <the secret token>",
    Provider.N8N: "Authorization: Bearer <the connection's signing secret, or its token>",
}


def _meta(connection, body, now):
    if not settings.META_APP_SECRET:
        raise ServiceError(
            "META_APP_SECRET is not set, so Opsdesk refuses every Meta webhook. Set it (make run "
            "writes a demo value into .run/demo.env).",
            "no_secret",
        )
    return {"X-Hub-Signature-256": "sha256=" + signatures.meta_signature(settings.META_APP_SECRET, body)}


def _waha(connection, body, now):
    key = connection.secret("signing_secret")
    return {"X-Webhook-Hmac": signatures.waha_signature(key, body), "X-Webhook-Hmac-Algorithm": "sha512"} if key else {}


def _chatwoot(connection, body, now):
    key, timestamp = connection.secret("signing_secret"), str(int(now))
    if not key:
        return {}
    signature = "sha256=" + signatures.chatwoot_signature(key, body, timestamp)
    return {"X-Chatwoot-Timestamp": timestamp, "X-Chatwoot-Signature": signature}


def _pms(connection, body, now):
    message_id, timestamp = f"msg_{secrets.token_hex(8)}", str(int(now))
    signature = signatures.standard_webhooks_sign(connection.secret("signing_secret"), message_id, timestamp, body)
    return {"webhook-id": message_id, "webhook-timestamp": timestamp, "webhook-signature": signature}


def _telegram(connection, body, now):
    return {"X-Telegram-Bot-Api-Secret-Token": connection.secret("signing_secret")}


def _n8n(connection, body, now):
    return {"Authorization": f"Bearer {connection.secret('signing_secret') or connection.secret('token')}"}


SIGNERS = {
    Provider.META: _meta,
    Provider.WAHA: _waha,
    Provider.CHATWOOT: _chatwoot,
    Provider.PMS: _pms,
    Provider.TELEGRAM: _telegram,
    Provider.N8N: _n8n,
}


def signed_headers(connection, body: bytes, now=None) -> dict:
    """The headers that make `body` a valid delivery to `connection` now (Content-Type included)."""
    headers = SIGNERS[connection.provider](connection, body, now or time.time())
    return {"Content-Type": "application/json", **headers}
