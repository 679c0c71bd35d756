"""What settings read besides the environment, and what they refuse to start with.

`.run/local.env` is written by `make` on first run (random keys, plain-HTTP switches for
127.0.0.1); it fills only variables the environment and `.env` leave unset or blank. With DEBUG
off the process refuses a secret key anyone can read and a missing connection-encryption key."""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

# Keys that were published (the old default in config/settings.py and .env.example) or are placeholders.
PUBLIC_SECRET_KEYS = frozenset(
    {
        "dev-insecure-change-me-opsdesk-secret-key-0123456789",
        "replace-with-at-least-50-random-characters-from-secrets.token_urlsafe",
    }
)
DEV_SECRET_KEY = "dev-insecure-change-me-opsdesk-secret-key-0123456789"
MIN_SECRET_KEY_LENGTH = 50
MIN_ENCRYPTION_KEY_LENGTH = 32
HOW_TO_FIX = (
    "Set the keys in the environment (see deploy/production.env.example), e.g. "
    "python3 -c 'import secrets; print(secrets.token_urlsafe(64))'; for local use run "
    "`make install`, which writes random keys into .run/local.env."
)


def fill_blanks_from(path: Path) -> None:
    """KEY=VALUE lines of `path` become environment variables where none (or a blank one) is set."""
    if not path.exists():
        return
    for line in path.read_text().splitlines():
        key, sep, value = line.strip().partition("=")
        if sep and key and not key.startswith("#") and not os.environ.get(key):
            os.environ[key] = value.strip()


def secret_problems(secret_key: str, encryption_key: str) -> list[str]:
    problems = []
    if not secret_key:
        problems.append("SECRET_KEY is not set.")
    elif secret_key in PUBLIC_SECRET_KEYS or secret_key.startswith("django-insecure"):
        problems.append("SECRET_KEY is a published example value.")
    elif len(secret_key) < MIN_SECRET_KEY_LENGTH:
        problems.append(f"SECRET_KEY is shorter than {MIN_SECRET_KEY_LENGTH} characters.")
    problems += encryption_key_problems(secret_key, encryption_key)
    return problems


def encryption_key_problems(secret_key: str, encryption_key: str) -> list[str]:
    if not encryption_key:
        return ["CONNECTION_ENCRYPTION_KEY is not set (connection secrets need a key of their own)."]
    if encryption_key in PUBLIC_SECRET_KEYS or encryption_key == secret_key:
        return ["CONNECTION_ENCRYPTION_KEY is a published value or the same as SECRET_KEY."]
    if len(encryption_key) < MIN_ENCRYPTION_KEY_LENGTH:
        return [f"CONNECTION_ENCRYPTION_KEY is shorter than {MIN_ENCRYPTION_KEY_LENGTH} characters."]
    return []


def refuse_insecure_secrets(secret_key: str, encryption_key: str) -> None:
    problems = secret_problems(secret_key, encryption_key)
    if problems:
        raise ImproperlyConfigured("Opsdesk refuses to start with DEBUG off: " + " ".join(problems) + " " + HOW_TO_FIX)
