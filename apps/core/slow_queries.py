"""Slow queries: every statement is timed by an execute wrapper installed on each database
connection; one over SLOW_QUERY_MS is logged at once (with the request or job id) and reported
later as a `SLOW_QUERY` event through the `slow_query` signal.

Reporting waits until the request or task has finished (`flush()`): writing the event from inside
the wrapper would put it in the caller's transaction, where a rollback loses it and a statement
that failed leaves nothing to write into. The report carries the statement normalised (literals
and parameter lists collapsed, no parameters) and is rate-limited per statement: at most one per
SLOW_QUERY_REPORT_EVERY_S in a process, with the number held back in between."""

import logging
import re
import threading
import time
from dataclasses import dataclass, field

from django.conf import settings

from apps.core import context

logger = logging.getLogger("opsdesk.db")
MAX_SQL_CHARS = 2000
_STRINGS = re.compile(r"'(?:[^']|'')*'")
_NUMBERS = re.compile(r"(?<![\w$.])-?\d+(?:\.\d+)?\b")
_PLACEHOLDERS = re.compile(r"%s|\$\d+|\?")
_LISTS = re.compile(r"\((?:\s*\?\s*,)+\s*\?\s*\)")
_VALUE_ROWS = re.compile(r"(\(\.\.\.\))(?:\s*,\s*\(\.\.\.\))+")
_SPACES = re.compile(r"\s+")


def normalise(sql: str) -> str:
    """`SELECT … WHERE id IN (1, 2, 3) AND name = 'x'` → `SELECT … WHERE id IN (...) AND name = ?`."""
    text = _STRINGS.sub("?", sql or "")
    text = _PLACEHOLDERS.sub("?", _NUMBERS.sub("?", text))
    text = _LISTS.sub("(...)", text)
    text = _VALUE_ROWS.sub(r"\1, ...", text)
    return _SPACES.sub(" ", text).strip()[:MAX_SQL_CHARS]


@dataclass
class SlowQuery:
    sql: str
    duration_ms: float
    request_id: str = ""
    job_id: str = ""
    tenant_id: object = None
    failed: bool = False
    held_back: int = 0


@dataclass
class _Limiter:
    """Per statement: when it was last reported and how many were held back since."""

    last_at: dict = field(default_factory=dict)
    held: dict = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def admit(self, sql, now) -> int | None:
        """The number held back before this one when it may be reported now, else None."""
        with self.lock:
            if now - self.last_at.get(sql, float("-inf")) < settings.SLOW_QUERY_REPORT_EVERY_S:
                self.held[sql] = self.held.get(sql, 0) + 1
                return None
            self.last_at[sql] = now
            return self.held.pop(sql, 0)


_limiter = _Limiter()
_pending = threading.local()


def wrapper(execute, sql, params, many, context_):
    """The execute wrapper: times the statement and notes it when it is slow (even when it fails)."""
    started = time.perf_counter()
    try:
        result = execute(sql, params, many, context_)
    except Exception:
        _note(sql, started, failed=True)
        raise
    _note(sql, started)
    return result


def _note(sql, started, failed=False):
    duration_ms = (time.perf_counter() - started) * 1000
    if duration_ms >= settings.SLOW_QUERY_MS and not getattr(_pending, "flushing", False):
        record(normalise(sql), duration_ms, failed=failed)


def record(sql, duration_ms, *, failed=False, now=None):
    """Logs the slow statement now and keeps it for `flush()` unless the rate limit holds it back."""
    bound = context.snapshot()
    query = SlowQuery(sql, round(duration_ms, 1), bound.get("request_id") or "", bound.get("job_id") or "")
    query.tenant_id, query.failed = bound.get("tenant_id"), failed
    logger.warning("Slow query", extra={"sql": sql, "duration_ms": query.duration_ms, "failed": failed})
    held = _limiter.admit(sql, time.monotonic() if now is None else now)
    if held is not None:
        query.held_back = held
        _queue().append(query)


def _queue() -> list:
    if not hasattr(_pending, "queries"):
        _pending.queries = []
    return _pending.queries


def flush(**kwargs) -> int:
    """Reports what this thread noted (request_finished, task_postrun); returns how many."""
    queries, _pending.queries = _queue(), []
    if not queries:
        return 0
    from apps.core.signals import slow_query

    _pending.flushing = True
    try:
        for query in queries:
            slow_query.send_robust(sender=None, query=query)
    finally:
        _pending.flushing = False
    return len(queries)


def install(sender=None, connection=None, **kwargs):
    """`connection_created` receiver: puts the wrapper on the connection once."""
    if connection is not None and wrapper not in connection.execute_wrappers:
        connection.execute_wrappers.append(wrapper)
