"""The application's PostgreSQL role cannot rewrite the audit log: each way around the append-only
trigger that an owner or a superuser has is refused to it, while every other table stays writable."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction

from apps.events import app_role, audit
from apps.events.models import AuditEvent
from apps.tenants.models import Tenant
from tests import db_roles
from tests.factories import TenantFactory

INSUFFICIENT_PRIVILEGE = "42501"
ROLE = settings.DATABASE_APP_ROLE


def refusal(statement):
    with pytest.raises(DatabaseError) as refused:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    return refused.value


def app_may(privilege, table):
    """Asked on a fresh connection: the test's own transaction may hold a cached ACL."""
    with db_roles.owner_cursor() as owner:
        owner.execute("SELECT has_table_privilege(%s, %s, %s)", [ROLE, table, privilege])
        return owner.fetchone()[0]


@pytest.mark.services
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE events_auditevent SET action = 'tampered'",
        "DELETE FROM events_auditevent",
        "TRUNCATE events_auditevent",
        "ALTER TABLE events_auditevent DISABLE TRIGGER events_auditevent_append_only",
        "SET session_replication_role = replica",
    ],
)
def test_the_app_role_cannot_rewrite_the_audit_log(db, statement):
    audit.record("tenant.created", actor_label="tests")
    assert refusal(statement).__cause__.sqlstate == INSUFFICIENT_PRIVILEGE
    assert AuditEvent.objects.filter(action="tenant.created").count() == 1


@pytest.mark.services
def test_the_app_runs_as_its_own_role_with_no_powers_and_owning_nothing(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_user, rolsuper, rolcreaterole, rolcreatedb, rolbypassrls "
            "FROM pg_roles WHERE rolname = current_user"
        )
        user, *powers = cursor.fetchone()
        cursor.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND pg_has_role(current_user, c.relowner, 'MEMBER')"
        )
        owned = cursor.fetchone()[0]
    assert user == ROLE and powers == [False, False, False, False] and owned == 0


@pytest.mark.services
def test_the_app_role_writes_other_tables_and_appends_to_the_audit_log(db):
    tenant = TenantFactory(slug="gamma")
    Tenant.objects.filter(pk=tenant.pk).update(name="Gamma Rooms")
    assert Tenant.objects.get(pk=tenant.pk).name == "Gamma Rooms"
    Tenant.objects.filter(pk=tenant.pk).delete()
    audit.record("tenant.created", actor_label="tests")
    assert not Tenant.objects.filter(pk=tenant.pk).exists()
    assert AuditEvent.objects.filter(action="tenant.created").exists()


@pytest.mark.services
def test_truncate_is_refused_by_a_trigger_even_if_it_were_granted(db):
    with db_roles.owner_cursor() as owner:
        owner.execute(f"GRANT TRUNCATE ON events_auditevent TO {ROLE}")
    try:
        assert "append-only" in str(refusal("TRUNCATE events_auditevent"))
    finally:
        with db_roles.owner_cursor() as owner:
            owner.execute(f"REVOKE TRUNCATE ON events_auditevent FROM {ROLE}")


@pytest.mark.services
def test_tables_created_by_later_migrations_are_granted_too(db):
    with db_roles.owner_cursor() as owner:
        owner.execute("CREATE TABLE opsdesk_later_table (id int)")
    try:
        assert app_may("INSERT", "opsdesk_later_table") and not app_may("TRUNCATE", "opsdesk_later_table")
    finally:
        with db_roles.owner_cursor() as owner:
            owner.execute("DROP TABLE opsdesk_later_table")


@pytest.mark.services
def test_every_migrate_grants_again_what_was_revoked(db):
    with db_roles.owner_cursor() as owner:
        owner.execute(f"REVOKE INSERT ON tenants_tenant FROM {ROLE}")
    assert not app_may("INSERT", "tenants_tenant")
    with db_roles.owner_connection() as owner:
        app_role.grant(owner)
    assert app_may("INSERT", "tenants_tenant") and not app_may("UPDATE", "events_auditevent")


@pytest.mark.services
def test_setting_up_again_is_harmless_when_the_role_exists(db):
    with db_roles.owner_connection() as owner:
        app_role.set_up(owner)
        app_role.set_up(owner)
    assert app_may("SELECT", "events_auditevent") and not app_may("DELETE", "events_auditevent")


@pytest.mark.services
def test_a_migrating_user_who_may_not_create_roles_is_told_to_ask_the_dba(db):
    with db_roles.owner_connection() as owner, owner.cursor() as cursor:
        cursor.execute(f"SET ROLE {ROLE}")
        with pytest.raises(app_role.RoleMissing, match="ask the DBA to run CREATE ROLE opsdesk_nobody"):
            app_role.ensure_role(cursor, owner.ops.quote_name, "opsdesk_nobody")


@pytest.mark.parametrize("as_owner, user", [("1", "owner"), ("0", "app")])
def test_only_a_process_told_to_migrate_as_owner_uses_the_owners_url(as_owner, user):
    env = {
        **os.environ,
        "DEBUG": "true",
        "DATABASE_AS_OWNER": as_owner,
        "DATABASE_URL": "postgres://app@db.test/opsdesk",
        "DATABASE_OWNER_URL": "postgres://owner@db.test/opsdesk",
    }
    shown = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from django.db import connection; print(connection.settings_dict['USER'])",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shown.stdout.split()[-1:] == [user], shown.stderr
