"""Writing a gateway call's `AIRequest` row together with the tenant's usage counters.

On PostgreSQL the row and both counters are ONE statement (a data-modifying CTE: the INSERT of the
row, and an INSERT … ON CONFLICT DO UPDATE adding to today's counters), so they are atomic without
BEGIN and COMMIT round trips and safe under concurrent calls (the upsert adds to the value it finds
under its row lock); it is prepared on the server once per connection (`db_context.fetch_hot`).
Elsewhere (SQLite for `make run`) the ORM writes them in one transaction."""

import logging

from django.db import DatabaseError, InterfaceError, OperationalError, connections, transaction
from django.db.models.sql import InsertQuery

from apps.ai.models import AIRequest
from apps.core import db_context
from apps.core import metrics_prometheus as prom
from apps.tenants import usage
from apps.tenants.models import UsageCounter

logger = logging.getLogger("opsdesk.ai")


def save_counted(row: AIRequest, amounts: dict, now=None) -> AIRequest:
    """Inserts `row` (unsaved) and adds `amounts` ({metric: n}) to the tenant's counters of today
    (in the tenant's zone, as `usage.increment_many` counts), and counts the call for /metrics."""
    row = _save(row, {metric: amount for metric, amount in amounts.items() if amount}, now)
    prom.count_ai_request(row)
    return row


def _save(row: AIRequest, amounts: dict, now) -> AIRequest:
    connection = connections[AIRequest.objects.db]
    if connection.vendor != "postgresql" or not amounts:
        return _save_with_orm(row, amounts, now)
    sql, params = _insert_sql(row, connection)
    day = usage.tenant_today(row.tenant, now)
    sql, params = _with_counters(sql, params, row.tenant_id, amounts, day)
    row.pk = db_context.fetch_hot(connection, sql, params)[0][0]
    row._state.adding, row._state.db = False, connection.alias
    return row


def deferred(row: AIRequest, amounts: dict):
    """`save_counted` as a callable to run once the answer went out: the API's response is closed
    by the WSGI server after its last byte, and the row (whose id the snapshot drew) is written
    then. A write that lost its connection is tried once more on a fresh one; a write that still
    fails is logged at ERROR with the row's billing fields, so the bill can be reconciled (a write
    failing before the response would have lost the row as well). It writes as the platform, as the
    key and snapshot were read (the rows name their tenant): the session then keeps one context
    from call to call instead of switching twice per call (a set_config in each round trip)."""

    def write() -> None:
        with db_context.platform_context():
            try:
                save_counted(row, amounts, now=row.created_at)
            except (OperationalError, InterfaceError):
                _write_again(row, amounts)
            except DatabaseError:
                _report(row, amounts)

    return write


def _write_again(row, amounts) -> None:
    connection = connections[AIRequest.objects.db]
    if not connection.in_atomic_block:
        connection.close_if_unusable_or_obsolete()
    try:
        save_counted(row, amounts, now=row.created_at)
    except DatabaseError:
        _report(row, amounts)


def _report(row, amounts) -> None:
    logger.exception("The AI request %s could not be recorded", row.pk, extra={"ai_request": _bill(row, amounts)})


def _bill(row, amounts) -> dict:
    fields = ("tenant_id", "feature", "provider", "model", "outcome", "prompt_tokens", "completion_tokens")
    found = {name: getattr(row, name) for name in fields}
    return {**found, "cost_usd": str(row.cost_usd), "created_at": row.created_at.isoformat(), "counted": amounts}


def _save_with_orm(row, amounts, now) -> AIRequest:
    if not amounts:
        row.save(force_insert=True)
        return row
    with transaction.atomic():
        row.save(force_insert=True)
        usage.increment_many(row.tenant, amounts, now)
    return row


def _insert_sql(row, connection) -> tuple[str, list]:
    """The INSERT … RETURNING id that `row.save()` would send. The ORM compiles its text once per
    connection and column set (~0.5 ms); each call adds only the values, prepared as its compiler
    prepares them (`pre_save`, then `get_db_prep_save`)."""
    fields = _insert_fields(with_id=row.pk is not None)
    sql = _compiled_insert(connection, fields, row)
    return sql, [field.get_db_prep_save(field.pre_save(row, True), connection) for field in fields]


def _insert_fields(with_id: bool) -> list:
    meta = AIRequest._meta
    fields = [field for field in meta.local_concrete_fields if not field.generated]
    if not with_id:  # the database numbers the row; otherwise the snapshot drew its id already
        fields.remove(meta.pk)
    return fields


_compiled: dict = {}


def _compiled_insert(connection, fields, row) -> str:
    """Kept only when every column is one plain `%s` (no field with a placeholder of its own)."""
    key = (connection.alias, connection.vendor, len(fields))
    if key in _compiled:
        return _compiled[key]
    query = InsertQuery(AIRequest)
    query.insert_values(fields, [row])
    compiler = query.get_compiler(connection=connection)
    compiler.returning_fields = [AIRequest._meta.pk]
    [(sql, params)] = compiler.as_sql()
    if len(params) == len(fields) and sql.count("%s") == len(fields):
        _compiled[key] = sql
    return sql


def _with_counters(insert_sql, insert_params, tenant_id, amounts, day) -> tuple[str, list]:
    table = UsageCounter._meta.db_table
    values = ", ".join(["(%s, %s, %s, %s)"] * len(amounts))
    params = [value for metric, amount in amounts.items() for value in (tenant_id, metric, day, amount)]
    sql = (
        f"WITH recorded AS ({insert_sql}), "
        f"counted AS (INSERT INTO {table} (tenant_id, metric, day, value) VALUES {values} "
        f"ON CONFLICT (tenant_id, metric, day) DO UPDATE SET value = {table}.value + EXCLUDED.value) "
        "SELECT id FROM recorded"
    )
    return sql, insert_params + params
