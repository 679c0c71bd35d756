"""Encryption at rest for connection secrets (Fernet: AES-128-CBC with an HMAC).

The key is derived from `CONNECTION_ENCRYPTION_KEY`, or from `SECRET_KEY` when that is unset, so a
fresh install works and a deployment can rotate the two independently."""
import base64
import hashlib
import json

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


class SecretsUnreadable(Exception):
    """The stored secrets were encrypted with another key (or are corrupt)."""


def _fernet() -> Fernet:
    material = getattr(settings, "CONNECTION_ENCRYPTION_KEY", "") or settings.SECRET_KEY
    digest = hashlib.sha256(f"opsdesk-connection-secrets:{material}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt_json(values: dict) -> str:
    if not values:
        return ""
    return _fernet().encrypt(json.dumps(values, sort_keys=True).encode()).decode()


def decrypt_json(token: str) -> dict:
    if not token:
        return {}
    try:
        return json.loads(_fernet().decrypt(token.encode()))
    except (InvalidToken, ValueError) as exc:
        raise SecretsUnreadable("Connection secrets cannot be decrypted with the configured key.") from exc
