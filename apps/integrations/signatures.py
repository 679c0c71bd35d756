"""Webhook signature schemes, pure functions over the raw request bytes.

Every comparison is constant-time (`hmac.compare_digest`). The functions answer True/False and
never raise on malformed input: a header that cannot be parsed is simply a wrong signature."""

import base64
import hashlib
import hmac
import time

STANDARD_WEBHOOKS_TOLERANCE_S = 5 * 60
CHATWOOT_TOLERANCE_S = 5 * 60


def _hex_hmac(key: bytes, message: bytes, digest) -> str:
    return hmac.new(key, message, digest).hexdigest()


def _same(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode(), (given or "").strip().encode())


def meta_signature(app_secret: str, body: bytes) -> str:
    """The hex HMAC-SHA256 of the body keyed with the app secret (after `sha256=`)."""
    return _hex_hmac(app_secret.encode(), body, hashlib.sha256)


def meta_signature_ok(app_secret: str, body: bytes, header: str) -> bool:
    """`X-Hub-Signature-256: sha256=<meta_signature>`."""
    scheme, _, given = (header or "").partition("=")
    if scheme != "sha256" or not app_secret:
        return False
    return _same(meta_signature(app_secret, body), given)


def waha_signature(key: str, body: bytes) -> str:
    return _hex_hmac(key.encode(), body, hashlib.sha512)


def waha_signature_ok(key: str, body: bytes, header: str, algorithm: str = "sha512") -> bool:
    """`X-Webhook-Hmac`: hex HMAC-SHA512 of the body; the timestamp header is not signed."""
    if (algorithm or "sha512").lower() != "sha512":
        return False
    return _same(waha_signature(key, body), header)


def timestamp_fresh(timestamp: str, tolerance_s: int, now: float | None = None) -> bool:
    try:
        moment = int(timestamp)
    except (TypeError, ValueError):
        return False
    return abs((now or time.time()) - moment) <= tolerance_s


def chatwoot_signature_ok(secret: str, body: bytes, signature: str, timestamp: str, now=None) -> bool:
    """`X-Chatwoot-Signature: sha256=<hex HMAC-SHA256 of "{timestamp}.{body}">`, timestamp in seconds
    and at most five minutes off."""
    scheme, _, given = (signature or "").partition("=")
    if scheme != "sha256" or not timestamp_fresh(timestamp, CHATWOOT_TOLERANCE_S, now):
        return False
    return _same(chatwoot_signature(secret, body, timestamp), given)


def chatwoot_signature(secret: str, body: bytes, timestamp: str) -> str:
    """The hex HMAC-SHA256 of "{timestamp}.{body}" (after `sha256=`)."""
    return _hex_hmac(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)


def standard_webhooks_key(secret: str) -> bytes | None:
    """The HMAC key of a `whsec_<base64>` secret (the base64-decoded part)."""
    encoded = secret[len("whsec_") :] if secret.startswith("whsec_") else secret
    try:
        return base64.b64decode(encoded, validate=True)
    except (ValueError, TypeError):
        return None


def standard_webhooks_sign(secret: str, msg_id: str, timestamp: str, body: bytes) -> str:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(standard_webhooks_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def standard_webhooks_ok(secret: str, body: bytes, msg_id: str, timestamp: str, signatures: str, now=None) -> bool:
    """The Standard Webhooks scheme: `webhook-signature` holds one or more space-separated
    `v1,<base64>` signatures (several while a secret rotates); any one matching is enough."""
    if (
        not msg_id
        or standard_webhooks_key(secret) is None
        or not timestamp_fresh(timestamp, STANDARD_WEBHOOKS_TOLERANCE_S, now)
    ):
        return False
    expected = standard_webhooks_sign(secret, msg_id, timestamp, body)
    return any(
        hmac.compare_digest(expected.encode(), candidate.encode())
        for candidate in (signatures or "").split()
        if candidate.startswith("v1,")
    )


def token_ok(expected: str, given: str) -> bool:
    return bool(expected) and _same(expected, given)


def bearer_ok(expected: str, authorization: str) -> bool:
    scheme, _, token = (authorization or "").partition(" ")
    return scheme.lower() == "bearer" and token_ok(expected, token)


def new_standard_webhooks_secret() -> str:
    import secrets

    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
