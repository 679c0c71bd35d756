"""Signup PINs: six digits from `secrets`, stored only as an HMAC-SHA256 of the signup's id and the PIN,
keyed with SIGNUP_PIN_SECRET (or, when that is empty, a key derived from SECRET_KEY)."""

import hashlib
import hmac
import re
import secrets

from django.conf import settings

DIGITS = 6
_SEPARATORS = re.compile(r"[\s-]")


def new_pin() -> str:
    return f"{secrets.randbelow(10**DIGITS):0{DIGITS}d}"


def normalise(text) -> str | None:
    """ "123 456" or "123-456" → "123456"; anything that is not six digits → None."""
    pin = _SEPARATORS.sub("", str(text or ""))
    return pin if len(pin) == DIGITS and pin.isascii() and pin.isdigit() else None


def digest(signup_id, pin: str) -> str:
    message = f"{signup_id}:{pin}".encode()
    return hmac.new(_key(), message, hashlib.sha256).hexdigest()


def matches(signup_id, pin: str, stored: str) -> bool:
    """Constant-time comparison, so the time taken says nothing about how much of the PIN was right."""
    return hmac.compare_digest(digest(signup_id, pin), stored)


def _key() -> bytes:
    if settings.SIGNUP_PIN_SECRET:
        return settings.SIGNUP_PIN_SECRET.encode()
    return hashlib.sha256(f"opsdesk-signup-pin:{settings.SECRET_KEY}".encode()).digest()
