"""The PostgreSQL role the application runs as (settings.DATABASE_APP_ROLE).

It owns nothing: it reads and writes every table, may only INSERT and SELECT the audit log, and
cannot truncate, alter a table, disable its triggers or change `session_replication_role`.
Migrations run as the owner, which creates the role when it may and grants its privileges; the
grants are repeated after every migrate, and default privileges cover tables created later.
"""

import re

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

AUDIT_TABLE = "events_auditevent"
ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

CREATE_ROLE = """
DO $$ BEGIN
    CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$;
"""
GRANTS = """
GRANT USAGE ON SCHEMA {schema} TO {role};
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role};
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {schema} TO {role};
ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role};
ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {role};
"""
AUDIT_GRANTS = """
REVOKE ALL ON {audit} FROM {role};
GRANT SELECT, INSERT ON {audit} TO {role};
"""
# The table's owner may still truncate: the test suite's flush runs as the owner, and an owner
# could drop the trigger anyway. Everyone else is refused even if TRUNCATE were granted.
NO_TRUNCATE = """
CREATE OR REPLACE FUNCTION opsdesk_audit_no_truncate() RETURNS trigger AS $$
BEGIN
    IF pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER') THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'events_auditevent is append-only: TRUNCATE is not allowed'
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS events_auditevent_no_truncate ON events_auditevent;
CREATE TRIGGER events_auditevent_no_truncate
    BEFORE TRUNCATE ON events_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION opsdesk_audit_no_truncate();
"""
DROP_NO_TRUNCATE = """
DROP TRIGGER IF EXISTS events_auditevent_no_truncate ON events_auditevent;
DROP FUNCTION IF EXISTS opsdesk_audit_no_truncate();
"""


class RoleMissing(RuntimeError):
    """The app role does not exist and the migrating user may not create it."""


def role_name() -> str:
    name = settings.DATABASE_APP_ROLE
    if not ROLE_NAME.match(name):
        raise ImproperlyConfigured(f"DATABASE_APP_ROLE {name!r}: use lower-case letters, digits and _")
    return name


def set_up(connection):
    """The migration's work: the role, its grants and the TRUNCATE trigger. PostgreSQL only."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        ensure_role(cursor, connection.ops.quote_name, role_name())
        cursor.execute(NO_TRUNCATE)
    grant(connection)


def tear_down(connection):
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(DROP_NO_TRUNCATE)


def ensure_role(cursor, quote, name):
    if role_exists(cursor, name):
        return
    cursor.execute("SELECT rolname, rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user")
    user, may_create = cursor.fetchone()
    if not may_create:
        raise RoleMissing(
            f"PostgreSQL role {name!r} does not exist and {user!r} may not create roles: ask the DBA to "
            f"run CREATE ROLE {name} LOGIN PASSWORD '…' NOSUPERUSER NOCREATEDB NOCREATEROLE, then migrate again"
        )
    cursor.execute(CREATE_ROLE.format(role=quote(name)))


def role_exists(cursor, name) -> bool:
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [name])
    return cursor.fetchone() is not None


def grant(connection):
    """Grants the app role its privileges; skipped when the role is missing or is the current user."""
    if connection.vendor != "postgresql":
        return
    name = role_name()
    with connection.cursor() as cursor:
        if not role_exists(cursor, name) or _current_user(cursor) == name:
            return
        cursor.execute(_grants_sql(cursor, connection.ops.quote_name, name))


def regrant(sender, using, **kwargs):
    """post_migrate receiver: the belt to default privileges' braces."""
    from django.db import connections

    grant(connections[using])


def _grants_sql(cursor, quote, name) -> str:
    cursor.execute("SELECT current_schema(), to_regclass(%s) IS NOT NULL", [AUDIT_TABLE])
    schema, has_audit = cursor.fetchone()
    names = {"role": quote(name), "schema": quote(schema), "audit": quote(AUDIT_TABLE)}
    return (GRANTS + (AUDIT_GRANTS if has_audit else "")).format(**names)


def _current_user(cursor) -> str:
    cursor.execute("SELECT current_user")
    return cursor.fetchone()[0]
