"""What a webhook endpoint hands the inbox: verified items of a delivery, or a refusal.

A provider module turns a request into `Item`s (one per message, status or update it carries)
or raises `Refused` with the HTTP status and a message that says what is wrong."""

import hashlib
import json
from dataclasses import dataclass, field

from apps.core import safe_json

STRIPPED_HEADERS = {"authorization", "cookie", "x-telegram-bot-api-secret-token", "x-api-key", "proxy-authorization"}


@dataclass
class Item:
    connection: object
    external_id: str
    event_type: str
    payload: dict = field(default_factory=dict)


class Refused(Exception):
    def __init__(self, status: int, error: str, detail: str):
        super().__init__(detail)
        self.status = status
        self.error = error
        self.detail = detail


def bad_payload(detail):
    return Refused(400, "invalid_payload", detail)


def parse_json(body: bytes):
    """The body as JSON PostgreSQL can store, or a 400 naming the problem: a sender retries a 5xx
    for days, a poison body must not get one."""
    try:
        return safe_json.loads(body)
    except safe_json.BadJSON as exc:
        raise Refused(400, exc.code, f"The body is refused: {exc.describe()}.") from None


def require_object(data, what="The body"):
    if not isinstance(data, dict):
        raise bad_payload(f"{what} must be a JSON object.")
    return data


def content_hash(value) -> str:
    """A stable id for an item the provider gives no id of its own."""
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:32]


def request_headers(request) -> dict:
    """The request's headers as the sender sent them, without credentials."""
    return {name: value for name, value in request.headers.items() if name.lower() not in STRIPPED_HEADERS}
