"""What the provider senders share: one shape for the outcome of a send, one way to time out and
classify transport failures. How `Retry-After` is read and how long to wait before the next try
live in `apps.core.backoff`.

Each provider's client classifies its own error codes first and falls back to `by_status` for
what its codes do not name: 429 and 5xx are worth retrying, any other 4xx is not."""

import time
from dataclasses import dataclass, field, replace

import requests

SUCCESS, RETRYABLE, PERMANENT, AUTH = "success", "retryable", "permanent", "auth"
KINDS = (SUCCESS, RETRYABLE, PERMANENT, AUTH)


@dataclass(frozen=True)
class Outcome:
    """What one send attempt came to. `kind` is success, retryable, permanent, or auth (the
    credentials are expired or invalid: nothing will succeed on this connection until fixed)."""

    kind: str
    status_code: int | None = None
    error_code: str = ""
    error_title: str = ""
    provider_message_id: str = ""
    retry_after: float | None = None
    latency_ms: int = 0
    request_summary: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.kind == SUCCESS

    @property
    def error(self) -> str:
        label = f"{self.error_code}: " if self.error_code else ""
        return f"{label}{self.error_title}".strip() or (f"HTTP {self.status_code}" if self.status_code else "")


def by_status(status_code: int) -> str:
    if status_code == 429 or status_code >= 500:
        return RETRYABLE
    return PERMANENT


def exchange(session, url, *, payload, headers, timeout, summary, classify) -> Outcome:
    """POSTs `payload` as JSON and returns `classify(response)` with latency and summary filled in;
    a timeout or a refused connection is a retryable outcome, never an exception."""
    started = time.perf_counter()
    try:
        response = session.post(url, json=payload, headers=headers, timeout=timeout)
    except requests.Timeout:
        outcome = Outcome(RETRYABLE, error_code="timeout", error_title=f"No answer within {_seconds(timeout)} s.")
    except requests.RequestException as exc:
        outcome = Outcome(
            RETRYABLE, error_code="connection_error", error_title=f"Could not connect: {type(exc).__name__}."
        )
    else:
        outcome = classify(response)
    return replace(outcome, latency_ms=round((time.perf_counter() - started) * 1000), request_summary=summary)


def _seconds(timeout):
    return timeout[-1] if isinstance(timeout, tuple) else timeout


def json_body(response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
