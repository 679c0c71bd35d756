"""Keep secrets out of event meta and logs: any key that names a secret has its value replaced."""

import re

SECRET_KEY_PATTERN = re.compile(
    r"(secret|token|password|passwd|authorization|api[_-]?key|signature|hmac|cookie|credential)",
    re.I,
)
REDACTED = "[redacted]"


def redact(value):
    """A copy of `value` (dicts and lists, nested) with secret-named keys' values replaced."""
    if isinstance(value, dict):
        return {key: REDACTED if _is_secret(key) else redact(item) for key, item in value.items()}
    if isinstance(value, list):
        return [redact(item) for item in value]
    return value


def _is_secret(key) -> bool:
    return isinstance(key, str) and bool(SECRET_KEY_PATTERN.search(key))
