"""Correlation context: one id per request or job, carried into logs, tasks and events."""

import contextvars
import uuid
from contextlib import contextmanager

request_id_var = contextvars.ContextVar("request_id", default=None)
tenant_id_var = contextvars.ContextVar("tenant_id", default=None)
user_id_var = contextvars.ContextVar("user_id", default=None)
job_id_var = contextvars.ContextVar("job_id", default=None)
reservation_id_var = contextvars.ContextVar("reservation_id", default=None)

_VARS = {
    "request_id": request_id_var,
    "tenant_id": tenant_id_var,
    "user_id": user_id_var,
    "job_id": job_id_var,
    "reservation_id": reservation_id_var,  # the PMS's id, while a reservation is being changed
}
MAX_ID_LENGTH = 128


def new_correlation_id() -> str:
    return uuid.uuid4().hex


def clean_correlation_id(value) -> str | None:
    """Accept a caller's id only when it is short printable text; otherwise mint one."""
    if not value or not isinstance(value, str):
        return None
    value = value.strip()
    if not value or len(value) > MAX_ID_LENGTH or not value.isprintable():
        return None
    return value


def current_correlation_id() -> str | None:
    return request_id_var.get()


def snapshot() -> dict:
    return {name: var.get() for name, var in _VARS.items()}


@contextmanager
def bound(**values):
    """Bind context values for the duration of a block, restoring the previous ones after."""
    tokens = [(_VARS[name], _VARS[name].set(value)) for name, value in values.items()]
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)
