"""The API-key lookup every `/api/` request makes, as one lean statement.

The ORM's `select_related("tenant", "staff_user")` compiled three tables' columns, an ORDER BY and
two joins on every request (~2 ms of Python and planning per call here, against ~0.3 ms for this
query). This reads the key and its tenant (all the tenant's columns, so `request.tenant` is a
complete row) by the unique prefix; an operator key's staff user loads on first use (operator
keys are few, tenant keys are per call). Nothing is cached: a revoked key is refused at once, in
every process. The statement is prepared on the server once per connection, and the session's
row-security context (the platform's, to read a key of any tenant) travels in the same round trip
(`db_context.fetch_hot`). The AI API reads the key together with its call's snapshot
(apps/ai/snapshot.py), with this module's columns and `built`."""

from functools import cache, lru_cache

from django.db import connections

from apps.accounts.models import ApiKey
from apps.core import db_context
from apps.tenants.models import Tenant


def active_by_prefix(prefix: str, using: str = "default") -> ApiKey | None:
    """The unrevoked key with this prefix (tenant attached), or None."""
    rows = db_context.fetch_hot(connections[using], _sql(), [prefix])
    return built(rows[0], using) if rows else None


def select_list(key_alias: str = "k", tenant_alias: str = "t") -> str:
    """Every column of the key, then every column of its tenant, in the order `built` reads them."""
    keys = ", ".join(f'{key_alias}."{column}"' for column in _columns(ApiKey))
    tenants = ", ".join(f'{tenant_alias}."{column}"' for column in _columns(Tenant))
    return f"{keys}, {tenants}"


def width() -> int:
    """How many columns `select_list` reads."""
    return len(_columns(ApiKey)) + len(_columns(Tenant))


@cache
def _columns(model) -> tuple[str, ...]:
    return tuple(field.column for field in model._meta.concrete_fields)


@cache
def _sql() -> str:
    return (
        f"SELECT {select_list()} FROM {ApiKey._meta.db_table} k "
        f"LEFT JOIN {Tenant._meta.db_table} t ON t.id = k.tenant_id "
        "WHERE k.prefix = %s AND k.revoked_at IS NULL"
    )


def built(row, using="default") -> ApiKey:
    """The key (its tenant attached) from `select_list`'s columns, as the ORM would build them
    (converters applied: SQLite's datetimes)."""
    split = len(_columns(ApiKey))
    api_key = _instance(ApiKey, row[:split], using)
    if api_key.tenant_id is not None:
        ApiKey.tenant.field.set_cached_value(api_key, _instance(Tenant, row[split:], using))
    return api_key


def _instance(model, values, using):
    connection = connections[using]
    names, columns = _loading(model, connection)
    converted = [_converted(value, column, connection) for value, column in zip(values, columns, strict=True)]
    return model.from_db(using, names, converted)


@lru_cache(maxsize=64)
def _loading(model, connection) -> tuple[list, list]:
    """Attribute names, and each column with its converters as the ORM's compiler finds them (per
    connection object: the converters are its backend's bound methods)."""
    columns = [field.get_col(model._meta.db_table) for field in model._meta.concrete_fields]
    converters = [(col, connection.ops.get_db_converters(col) + col.get_db_converters(connection)) for col in columns]
    return [field.attname for field in model._meta.concrete_fields], converters


def _converted(value, column, connection):
    expression, converters = column
    for converter in converters:
        value = converter(value, expression, connection)
    return value
