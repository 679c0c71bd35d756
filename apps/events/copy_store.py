"""`store_batch`'s path on PostgreSQL: a validated batch goes in with one `COPY`.

Each event becomes one tuple of column values, built straight from the validated dict (level and
category looked up once per code, one clock reading and one correlation id per batch), and the
stored `SystemEvent`s are made from the same tuples: no per-event model validation, keyword
handling or defaults. The ids come from the table's sequence in one statement.
PostgreSQL refuses `COPY FROM` into a table under row-level security, so the rows are copied into
a session's temporary table and moved with one `INSERT … SELECT`, which the policy checks."""

import json

from django.db import connection, transaction
from django.db.models.base import ModelState
from django.db.models.signals import post_init
from django.utils import timezone

from apps.core.context import current_correlation_id
from apps.events import codes
from apps.events.fingerprints import fingerprint
from apps.events.models import SystemEvent
from apps.events.redaction import redact

STAGE = "opsdesk_event_stage"
FIELDS = SystemEvent._meta.concrete_fields
ATTNAMES = tuple(field.attname for field in FIELDS)
META = ATTNAMES.index("meta")
MOMENTS = tuple(ATTNAMES.index(name) for name in ("occurred_at", "created_at"))
# What a validated API event holds; the links `emit` takes (incident, ticket …) are not among them.
KEYS = frozenset({"code", "message", "meta", "source", "occurred_at", "correlation_id", "tenant"})


def store(events: list[dict]) -> list[SystemEvent]:
    """Writes the validated events all together or not at all; returns them stored, in order."""
    rows = _rows(events)
    with transaction.atomic(), connection.cursor() as cursor:
        ids = _take_ids(cursor, len(rows))
        rows = [(pk, *row[1:]) for pk, row in zip(ids, rows, strict=True)]
        _copy(cursor, rows)
    return _stored(rows)


def _rows(events):
    now = timezone.now()
    batch = {"now": now, "correlation_id": current_correlation_id() or "", "entries": {}}
    return [_row(event, batch) for event in events]


def _row(event, batch) -> tuple:
    """The event's column values in `ATTNAMES` order (the id is filled in once taken)."""
    return tuple(map(_values(event, batch).get, ATTNAMES))


def _values(event, batch) -> dict:
    if not event.keys() <= KEYS:
        raise TypeError(f"store_batch takes validated API events; unexpected {sorted(event.keys() - KEYS)}")
    code, message = event["code"], event.get("message") or ""
    level, category = _entry(code, batch["entries"])
    tenant = event.get("tenant")
    tenant_id = tenant.pk if tenant is not None else None
    meta = redact(event.get("meta") or {})
    correlation_id = event.get("correlation_id") or meta.get("correlation_id") or batch["correlation_id"]
    if correlation_id:
        meta["correlation_id"] = correlation_id
    return {
        "tenant_id": tenant_id,
        "code": code,
        "level": level,
        "category": category,
        "message": message,
        "meta": meta,
        "source": event.get("source", ""),
        "correlation_id": correlation_id,
        "fingerprint": fingerprint(code, tenant_id, message),
        "occurred_at": event.get("occurred_at") or batch["now"],
        "created_at": batch["now"],
    }


def _entry(code, entries) -> tuple[str, str]:
    if code not in entries:
        entry = codes.get(code)
        entries[code] = (entry.level, entry.category) if entry else (codes.ERROR, "infra")
    return entries[code]


def _take_ids(cursor, count) -> list[int]:
    cursor.execute(
        "SELECT array_agg(nextval(pg_get_serial_sequence(%s, 'id'))) FROM generate_series(1, %s)",
        [SystemEvent._meta.db_table, count],
    )
    return sorted(cursor.fetchone()[0])


def _copy(cursor, rows):
    quote = connection.ops.quote_name
    table, columns = quote(SystemEvent._meta.db_table), ", ".join(quote(field.column) for field in FIELDS)
    cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {STAGE} (LIKE {table}) ON COMMIT DELETE ROWS")
    times = {}
    with cursor.cursor.copy(f"COPY {STAGE} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(_as_text(row, times))
    cursor.execute(
        f"WITH moved AS (DELETE FROM {STAGE} RETURNING {columns}) INSERT INTO {table} ({columns}) "
        f"SELECT {columns} FROM moved"
    )


def _as_text(row, times) -> list:
    """The row as COPY takes it: meta as JSON, and each moment as ISO text, formatted once per
    batch (most events of a batch share the time it arrived; psycopg's per-value datetime
    conversion was half of writing the rows)."""
    values = list(row)
    values[META] = json.dumps(values[META])
    for index in MOMENTS:
        values[index] = _iso(values[index], times)
    return values


def _iso(moment, times) -> str:
    if moment not in times:
        times[moment] = moment.isoformat()
    return times[moment]


def _stored(rows) -> list[SystemEvent]:
    """The stored events as Django makes a row it reads, but without `Model.__init__`, whose
    per-field descriptors and defaults were a fifth of a batch's Python: the instance's fields are
    its column values and its state says saved. `__init__` only adds the `post_init` signal, so
    with receivers of it for SystemEvent the events are made the ordinary way."""
    make = (lambda row: SystemEvent(*row)) if post_init.has_listeners(SystemEvent) else _bare
    alias = connection.alias
    return [_saved(make(row), alias) for row in rows]


def _bare(row) -> SystemEvent:
    event = SystemEvent.__new__(SystemEvent)
    event.__dict__.update(zip(ATTNAMES, row, strict=True))
    event._state = ModelState()
    return event


def _saved(event, alias) -> SystemEvent:
    event._state.adding, event._state.db = False, alias
    return event
