"""What a manifest records about a database, and what the drill reads back from the restored copy:
row counts of the key tables, the latest migration of each app, the newest event and inbound
delivery, row-level security, the server. Plain SQL over a DB-API cursor, so the same code reads
the source (as its owner, inside the dump's snapshot) and the scratch copy, on PostgreSQL or SQLite."""

import sqlite3
from datetime import UTC, datetime

KEY_TABLES = (
    "tenants_tenant",
    "auth_user",
    "integrations_connection",
    "integrations_inboundevent",
    "events_systemevent",
    "events_auditevent",
    "outbound_outboundmessage",
    "tickets_ticket",
    "incidents_incident",
)
# The newest row of these proves how recent the copy is (the RPO).
NEWEST = {"events_systemevent": "occurred_at", "integrations_inboundevent": "received_at"}
# Joins that must find no orphan: (child table, column, parent table).
FOREIGN_KEYS = (
    ("integrations_connection", "tenant_id", "tenants_tenant"),
    ("integrations_inboundevent", "connection_id", "integrations_connection"),
    ("integrations_inboundevent", "tenant_id", "tenants_tenant"),
    ("events_systemevent", "tenant_id", "tenants_tenant"),
    ("outbound_outboundmessage", "tenant_id", "tenants_tenant"),
    ("tickets_ticket", "tenant_id", "tenants_tenant"),
)


def tables(cursor, vendor) -> set[str]:
    if vendor == "sqlite":
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    else:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    return {row[0] for row in cursor.fetchall()}


def _scalar(cursor, sql):
    cursor.execute(sql)
    return cursor.fetchone()[0]


def row_counts(cursor, present) -> dict[str, int]:
    return {name: int(_scalar(cursor, f'SELECT COUNT(*) FROM "{name}"')) for name in KEY_TABLES if name in present}


def latest_migrations(cursor, present) -> dict[str, str]:
    if "django_migrations" not in present:
        return {}
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
    return dict(cursor.fetchall())


def newest_rows(cursor, present) -> dict[str, str | None]:
    found = {}
    for table, column in NEWEST.items():
        if table in present:
            found[table] = _iso(_scalar(cursor, f'SELECT MAX("{column}") FROM "{table}"'))
    return found


def _iso(value) -> str | None:
    """A timestamp as ISO text in UTC (SQLite hands back text, PostgreSQL an aware datetime)."""
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()


def orphans(cursor, present) -> dict[str, int]:
    """Rows whose parent is missing, per `child.column -> parent`."""
    found = {}
    for child, column, parent in FOREIGN_KEYS:
        if child in present and parent in present:
            sql = (
                f'SELECT COUNT(*) FROM "{child}" c LEFT JOIN "{parent}" p ON p.id = c."{column}" '
                f'WHERE c."{column}" IS NOT NULL AND p.id IS NULL'
            )
            found[f"{child}.{column} -> {parent}"] = int(_scalar(cursor, sql))
    return found


def rls_forced_tables(cursor, vendor) -> int | None:
    """Tables with FORCE ROW LEVEL SECURITY and at least one policy; None where there is no RLS."""
    if vendor == "sqlite":
        return None
    return int(
        _scalar(
            cursor,
            "SELECT COUNT(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.relforcerowsecurity "
            "AND EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid)",
        )
    )


def server(cursor, vendor) -> str:
    if vendor == "sqlite":
        return f"SQLite {sqlite3.sqlite_version}"
    return "PostgreSQL " + str(_scalar(cursor, "SHOW server_version"))


def read(cursor, vendor) -> dict:
    """Everything above, as the manifest stores it."""
    present = tables(cursor, vendor)
    return {
        "row_counts": row_counts(cursor, present),
        "migrations": latest_migrations(cursor, present),
        "newest_rows": newest_rows(cursor, present),
        "orphans": orphans(cursor, present),
        "rls_forced_tables": rls_forced_tables(cursor, vendor),
        "server": server(cursor, vendor),
        "tables": len(present),
    }
