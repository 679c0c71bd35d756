"""An event's fingerprint: its code, tenant and message with the volatile parts (ids, numbers,
spacing) flattened, hashed, so repeats of one failure group together."""

import hashlib
import re

_VOLATILE = [
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "<uuid>"),
    (re.compile(r"\b[0-9a-f]{16,}\b"), "<hex>"),
    (re.compile(r"\d+"), "<n>"),
    (re.compile(r"\s+"), " "),
]


def normalise_message(message: str) -> str:
    """The message with ids, numbers and spacing flattened, so repeats of one failure group."""
    text = (message or "").lower()
    for pattern, replacement in _VOLATILE:
        text = pattern.sub(replacement, text)
    return text.strip()[:500]


def fingerprint(code: str, tenant_id, message: str) -> str:
    raw = f"{code}|{tenant_id or '-'}|{normalise_message(message)}"
    return hashlib.sha256(raw.encode()).hexdigest()[:32]
