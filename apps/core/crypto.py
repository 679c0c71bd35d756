"""Encryption at rest for connection secrets (Fernet: AES-128-CBC with an HMAC).

Each key is derived from a setting's text: `CONNECTION_ENCRYPTION_KEY` encrypts, it and every
`CONNECTION_ENCRYPTION_PREVIOUS_KEYS` entry decrypt (MultiFernet). To rotate: make the new key
current, list the old one as previous, run `manage.py rotate_connection_key`, then drop the old
one. Stored secrets live in model fields whose names end in `_encrypted`."""

import base64
import hashlib
import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

ENCRYPTED_FIELD_SUFFIX = "_encrypted"


class SecretsUnreadable(Exception):
    """The stored secrets were encrypted with another key (or are corrupt)."""


def derived_key(material: str) -> bytes:
    digest = hashlib.sha256(f"opsdesk-connection-secrets:{material}".encode()).digest()
    return base64.urlsafe_b64encode(digest)


def _fernet() -> MultiFernet:
    materials = [settings.CONNECTION_ENCRYPTION_KEY, *getattr(settings, "CONNECTION_ENCRYPTION_PREVIOUS_KEYS", [])]
    return MultiFernet([Fernet(derived_key(material)) for material in materials if material])


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
        raise SecretsUnreadable("Connection secrets cannot be decrypted with the configured keys.") from exc


def reencrypt(token: str) -> str:
    """The same secrets encrypted with the current key (raises SecretsUnreadable when no key fits)."""
    if not token:
        return token
    try:
        return _fernet().rotate(token.encode()).decode()
    except InvalidToken as exc:
        raise SecretsUnreadable("Connection secrets cannot be decrypted with the configured keys.") from exc
