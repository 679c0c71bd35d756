"""The write path of the Error Center: `emit()` for code inside Opsdesk, `store_batch()` for the API.

Reading (admin, dashboards, spike detection, alert rules) lives elsewhere and never writes."""

import hashlib
import json
import logging
import re

from django.db import connection as db_connection
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from apps.core import db_context
from apps.core.context import current_correlation_id
from apps.events import codes
from apps.events.models import SystemEvent
from apps.events.redaction import redact

logger = logging.getLogger("opsdesk.events")

# Sent with `events` (stored SystemEvents) once they are stored: layers above react without being
# imported here (incidents link a tenant's new failures to its open incident).
recorded = Signal()
LINK_FIELDS = ("incident", "ticket", "automation_run", "inbound_event")
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


def build_event(
    code,
    *,
    tenant=None,
    tenant_id=None,
    message="",
    meta=None,
    source="",
    occurred_at=None,
    correlation_id=None,
    **links,
) -> SystemEvent:
    """An unsaved SystemEvent with level, category, fingerprint and correlation id filled in."""
    entry = codes.get(code)
    tenant_id = tenant.pk if tenant is not None else tenant_id
    meta = redact(dict(meta or {}))
    correlation_id = correlation_id or meta.get("correlation_id") or current_correlation_id() or ""
    if correlation_id:
        meta["correlation_id"] = correlation_id
    meta.update(
        {
            f"{name}_id": _pk(value)
            for name, value in links.items()
            if name in LINK_FIELDS and value is not None and name != "incident"
        }
    )
    return SystemEvent(
        tenant_id=tenant_id,
        code=code,
        level=entry.level if entry else codes.ERROR,
        category=entry.category if entry else "infra",
        message=message or "",
        meta=meta,
        source=source,
        correlation_id=correlation_id,
        fingerprint=fingerprint(code, tenant_id, message),
        occurred_at=occurred_at or timezone.now(),
        **_link_ids(links),
    )


def _link_ids(links):
    """FK ids for the links the model has; a link whose model has not landed yet goes to meta
    instead of failing the event."""
    model_fields = {field.name for field in SystemEvent._meta.get_fields()}
    return {
        f"{name}_id": _pk(value)
        for name, value in links.items()
        if name in LINK_FIELDS and name in model_fields and value is not None
    }


def _pk(value):
    return getattr(value, "pk", value)


@db_context.as_platform
def emit(code, *, tenant=None, message="", meta=None, source="", occurred_at=None, **links):
    """Record an event. Never raises: a failure to store is logged as JSON and the caller goes on.

    The insert runs in a savepoint, so a failed insert does not poison the caller's transaction.
    Returns the stored event, or None when it could not be stored."""
    try:
        if codes.get(code) is None:
            logger.error("Unknown event code emitted", extra={"code": code})
        event = build_event(
            code, tenant=tenant, message=message, meta=meta, source=source, occurred_at=occurred_at, **links
        )
        with transaction.atomic():
            event.save()
    except Exception as exc:
        logger.error(
            "Event could not be stored",
            extra={
                "event_code": code,
                "tenant_id": getattr(tenant, "pk", None),
                "event_message": message,
                "event_meta": _loggable(meta),
                "store_error": repr(exc),
            },
        )
        return None
    _announce([event])
    return event


def _announce(events):
    """Receivers run in savepoints of their own; one that fails is logged, the events stay stored."""
    for receiver, result in recorded.send_robust(sender=SystemEvent, events=events):
        if isinstance(result, Exception):
            logger.error(
                "A receiver of stored events failed",
                extra={"receiver": getattr(receiver, "__qualname__", str(receiver)), "receiver_error": repr(result)},
            )


def _loggable(meta):
    try:
        return json.loads(json.dumps(redact(dict(meta or {})), default=str))
    except Exception:
        return {"unserialisable": True}


def store_batch(events: list[dict]) -> list[SystemEvent]:
    """Store validated API events all together or not at all. On PostgreSQL the rows go in with
    one `COPY` after their ids are taken from the table's sequence in one statement: no
    thousands-of-parameters INSERT to build and parse."""
    rows = [build_event(**event) for event in events]
    with transaction.atomic():
        if db_connection.vendor == "postgresql" and rows:
            stored = _copy(rows)
        else:
            stored = SystemEvent.objects.bulk_create(rows, batch_size=1000)
    _announce(stored)
    return stored


STAGE = "opsdesk_event_stage"


def _copy(rows) -> list[SystemEvent]:
    fields = SystemEvent._meta.concrete_fields
    quote = db_connection.ops.quote_name
    table = SystemEvent._meta.db_table
    now = timezone.now()
    with db_connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, len(rows)]
        )
        for row, (pk,) in zip(rows, cursor.fetchall(), strict=True):
            row.pk, row.created_at = pk, now
            row._state.adding, row._state.db = False, db_connection.alias
        columns = ", ".join(quote(field.column) for field in fields)
        # PostgreSQL refuses COPY FROM into a table under row-level security: the rows are copied
        # into a session's temporary table and moved with one INSERT … SELECT, which the policy checks.
        cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {STAGE} (LIKE {quote(table)})")
        with cursor.cursor.copy(f"COPY {STAGE} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([_copy_value(field, row) for field in fields])
        cursor.execute(f"INSERT INTO {quote(table)} ({columns}) SELECT {columns} FROM {STAGE}")
        cursor.execute(f"TRUNCATE {STAGE}")
    return rows


def _copy_value(field, row):
    value = getattr(row, field.attname)
    return json.dumps(value) if field.get_internal_type() == "JSONField" else value
