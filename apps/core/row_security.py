"""The tenant wall in PostgreSQL itself: every table with a `tenant_id` column gets ENABLE and
FORCE ROW LEVEL SECURITY and the policy below. `ensure(connection)` finds those tables in
pg_catalog and fixes whichever lacks any of it, so it is idempotent and covers tables added by
later migrations: it runs after every migrate (post_migrate, as the owner) and in the migration
tenants.0005 for the tables of its day. The context it reads is set by apps/core/db_context.py.

A row whose tenant_id is NULL (platform events, operator keys) matches no tenant: platform only.
The settings are read through scalar sub-selects so PostgreSQL evaluates them once per query (an
InitPlan), not once per row, and `tenant_id = $1` can still use the (tenant, …) indexes.

The platform test is a whole boolean sub-select, `(SELECT … = 'on')`, not `(SELECT …) = 'on'`: the
planner cannot know its value when it plans, and it guesses a bare boolean parameter true half the
time but an equality with a parameter 0.5 % of the time, so the older form made it expect ~2 % of a
table in the platform context and pick plans for a few rows (a sort and group aggregate that
spilled, for the spike detector's grouped counts over a week of events). Each wall carries its
version as the policy's comment; `ensure` rewrites a wall of an older version (bench/RESULTS.md,
"Row-level security").
"""

POLICY = "opsdesk_tenant_wall"
WALL = (
    "(SELECT current_setting('app.platform', true) = 'on') OR "
    "tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::bigint)"
)
WALL_VERSION = "opsdesk tenant wall v2: the platform test is one boolean InitPlan"
# Extra read-only policies OR'ed with the wall: a person sees their own memberships in every
# tenant (the portal's tenant switcher), but may write memberships only inside the wall.
EXTRA_READ = {
    "tenants_membership": (
        "opsdesk_own_memberships",
        "user_id = (SELECT NULLIF(current_setting('app.user_id', true), '')::bigint)",
    ),
}

TENANT_TABLES = """
SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
       ARRAY(SELECT p.policyname::text FROM pg_policies p
             WHERE p.schemaname = n.nspname AND p.tablename = c.relname ORDER BY 1),
       (SELECT obj_description(w.oid, 'pg_policy') FROM pg_policy w
        WHERE w.polrelid = c.oid AND w.polname = %s)
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
ORDER BY c.relname
"""


def tenant_tables(cursor) -> list[tuple]:
    """(table, rls enabled, rls forced, its policies' names, its wall's version) for every table
    with a tenant_id."""
    cursor.execute(TENANT_TABLES, [POLICY])
    return cursor.fetchall()


def walled(table, enabled, forced, policies, version) -> bool:
    wanted = {POLICY} | ({EXTRA_READ[table][0]} if table in EXTRA_READ else set())
    return enabled and forced and wanted <= set(policies) and version == WALL_VERSION


def ensure(connection) -> list[str]:
    """Brings every tenant table under the wall; returns the tables it changed. PostgreSQL only."""
    if connection.vendor != "postgresql":
        return []
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        missing = [row[0] for row in tenant_tables(cursor) if not walled(*row)]
        for table in missing:
            cursor.execute(wall_sql(quote, table))
    return missing


def wall_sql(quote, table: str) -> str:
    statements = [
        f"ALTER TABLE {quote(table)} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {quote(table)} FORCE ROW LEVEL SECURITY",
        f"DROP POLICY IF EXISTS {POLICY} ON {quote(table)}",
        f"CREATE POLICY {POLICY} ON {quote(table)} USING ({WALL}) WITH CHECK ({WALL})",
        f"COMMENT ON POLICY {POLICY} ON {quote(table)} IS '{WALL_VERSION}'",
    ]
    if table in EXTRA_READ:
        name, condition = EXTRA_READ[table]
        statements.append(f"DROP POLICY IF EXISTS {name} ON {quote(table)}")
        statements.append(f"CREATE POLICY {name} ON {quote(table)} FOR SELECT USING ({condition})")
    return ";\n".join(statements)


def remove(connection) -> None:
    """Takes the wall down (the migration's reverse)."""
    if connection.vendor != "postgresql":
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table, *_ in tenant_tables(cursor):
            cursor.execute(
                f"DROP POLICY IF EXISTS {POLICY} ON {quote(table)}; "
                f"ALTER TABLE {quote(table)} NO FORCE ROW LEVEL SECURITY; "
                f"ALTER TABLE {quote(table)} DISABLE ROW LEVEL SECURITY"
            )


def ensure_after_migrate(sender, using, **kwargs):
    """post_migrate receiver (runs as the migrating owner)."""
    from django.db import connections

    ensure(connections[using])
