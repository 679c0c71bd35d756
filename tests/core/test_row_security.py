"""Row-level security, as the application's role on PostgreSQL: the database itself keeps tenants
apart under the ORM's filters (apps/core/row_security.py, apps/core/db_context.py). These tests run
their bodies with no context (`rls_wall`), as production code does; their fixtures build data in
the platform context."""

import pytest
from celery import shared_task
from django.apps import apps
from django.db import ProgrammingError, connection, transaction

from apps.core import db_context, row_security
from apps.events.models import SystemEvent
from apps.tickets.models import Ticket
from tests import db_roles
from tests.factories import SystemEventFactory
from tests.tickets.factories import make_ticket

pytestmark = [pytest.mark.services, pytest.mark.django_db, pytest.mark.rls_wall]


def raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def ticket_tenants():
    return sorted(row[0] for row in raw("SELECT tenant_id FROM tickets_ticket"))


def setting(name):
    return raw("SELECT current_setting(%s, true)", [name])[0][0]


@pytest.fixture
def rows(tenant, other_tenant):
    """Two tickets and an event for each tenant, and a platform event with no tenant."""
    for owner in (tenant, other_tenant):
        make_ticket(owner, subject=f"Ticket of {owner.slug}")
        make_ticket(owner, subject=f"Another of {owner.slug}")
        SystemEventFactory(tenant=owner, message=f"Failure at {owner.slug}")
    SystemEventFactory(tenant=None, code="JOB_FAILED", message="Platform job failed")


def model_tables_with_tenant_id():
    return {
        model._meta.db_table
        for model in apps.get_models()
        if not model._meta.proxy and any(field.column == "tenant_id" for field in model._meta.concrete_fields)
    }


def test_the_suite_talks_as_the_app_role_which_cannot_bypass_rls():
    user, bypass, superuser = raw("SELECT rolname, rolbypassrls, rolsuper FROM pg_roles WHERE rolname = current_user")[
        0
    ]
    assert (user, bypass, superuser) == (db_roles.APP["USER"], False, False)


def test_every_table_with_a_tenant_id_has_rls_forced_and_the_policy():
    with connection.cursor() as cursor:
        tables = row_security.tenant_tables(cursor)
    assert {table for table, *_ in tables} >= model_tables_with_tenant_id() | {"tickets_ticket"}
    unwalled = [table for table, *state in tables if not row_security.walled(table, *state)]
    assert unwalled == []
    policies = raw("SELECT tablename FROM pg_policies WHERE policyname = %s", [row_security.POLICY])
    assert {table for (table,) in policies} == {table for table, *_ in tables}


def test_the_policy_checks_writes_as_well_as_reads():
    quals = raw(
        "SELECT qual, with_check FROM pg_policies WHERE tablename = 'tickets_ticket' AND policyname = %s",
        [row_security.POLICY],
    )
    [(using, with_check)] = quals
    assert "app.tenant_id" in using and "app.platform" in using
    assert with_check == using


def test_without_a_context_a_query_sees_no_tenant_rows(rows):
    assert ticket_tenants() == []
    assert Ticket.objects.count() == 0
    assert SystemEvent.objects.count() == 0


def test_a_tenant_context_sees_only_its_own_rows_even_without_a_filter(rows, tenant, other_tenant):
    with db_context.tenant_context(tenant):
        assert ticket_tenants() == [tenant.pk, tenant.pk]
        assert set(Ticket.objects.values_list("tenant_id", flat=True)) == {tenant.pk}
        assert list(SystemEvent.objects.values_list("tenant_id", flat=True)) == [tenant.pk]
    with db_context.tenant_context(other_tenant):
        assert ticket_tenants() == [other_tenant.pk, other_tenant.pk]


def test_rows_without_a_tenant_are_platform_only(rows):
    with db_context.platform_context():
        assert SystemEvent.objects.filter(tenant__isnull=True).count() == 1
        assert len(ticket_tenants()) == 4


def test_a_tenant_cannot_write_a_row_for_another_and_the_refusal_is_counted(rows, tenant, other_tenant):
    with db_context.scope(db_context.tenant_state(tenant)):
        make_ticket(tenant, subject="Mine")
        with pytest.raises(ProgrammingError, match="row-level security"), transaction.atomic():
            make_ticket(other_tenant, subject="Smuggled")
        with pytest.raises(ProgrammingError, match="row-level security"), transaction.atomic():
            raw("UPDATE tickets_ticket SET tenant_id = %s WHERE tenant_id = %s", [other_tenant.pk, tenant.pk])
    with db_context.platform_context():
        assert Ticket.objects.filter(subject="Smuggled").count() == 0
        assert Ticket.objects.filter(tenant=other_tenant).count() == 2
        violations = list(SystemEvent.objects.filter(code="RLS_VIOLATION"))
    assert len(violations) == 2
    assert violations[0].tenant_id is None
    assert violations[0].meta["table"] == "tickets_ticket"
    assert violations[0].meta["context"] == f"tenant {tenant.pk}"
    assert "Smuggled" not in str(violations[0].meta) + violations[0].message


def test_the_alert_rule_any_rls_violation_is_seeded():
    from apps.events.alert_models import AlertRule

    with db_context.platform_context():
        rule = AlertRule.objects.get(name="Row-level security violations")
    assert (rule.metric, rule.params, rule.critical_threshold) == ("event_count", {"code": "RLS_VIOLATION"}, 0)


# The ways in.


def test_the_portal_shows_the_tenant_its_own_rows(rows, owner_client):
    response = owner_client.get("/dashboard/tickets/")
    assert response.status_code == 200
    assert b"Ticket of alpha" in response.content
    assert b"Ticket of beta" not in response.content


def test_the_tenant_switcher_still_lists_every_membership_of_the_person(rows, people, other_tenant, client):
    from tests.factories import MembershipFactory

    with db_context.platform_context():
        MembershipFactory(tenant=other_tenant, user=people.owner, role="agent")
    client.force_login(people.owner)
    response = client.get("/dashboard/tickets/")
    assert b"Beta Bots" in response.content and b"Alpha Rooms" in response.content


def test_the_tenant_api_answers_with_its_own_rows(rows, tenant_api):
    response = tenant_api.get("/api/v1/tickets/")
    assert response.status_code == 200
    subjects = {ticket["subject"] for ticket in response.json()["results"]}
    assert subjects == {"Ticket of alpha", "Another of alpha"}


def test_staff_pages_act_for_the_platform(rows, staff, client):
    client.force_login(staff)
    response = client.get("/admin/tickets/ticket/")
    assert b"Ticket of alpha" in response.content and b"Ticket of beta" in response.content


# No leaks on a reused connection.


def test_a_request_leaves_no_context_behind_on_its_connection(rows, owner_client):
    assert owner_client.get("/dashboard/tickets/").status_code == 200
    assert ticket_tenants() == []
    assert (setting("app.tenant_id"), setting("app.platform")) == ("", "off")


def test_a_query_after_a_tenant_context_resets_the_session_before_it_runs(rows, tenant):
    with db_context.tenant_context(tenant):
        ticket_tenants()
    assert connection.rls_state.tenant_id == str(tenant.pk)  # the session still holds it…
    assert ticket_tenants() == []  # …until the next query, which resets it first
    assert setting("app.tenant_id") == ""


def test_a_failing_request_leaves_no_context_behind(rows, tenant_api):
    tenant_api.raise_request_exception = False
    tenant_api.get("/api/v1/tickets/")
    assert ticket_tenants() == []


def test_a_rollback_that_undoes_the_context_is_noticed(rows, tenant):
    """set_config made inside a savepoint is undone by its rollback; the next query sets it again."""
    with db_context.tenant_context(tenant):
        with pytest.raises(RuntimeError), transaction.atomic():
            assert len(ticket_tenants()) == 2
            raise RuntimeError("roll back")
        assert ticket_tenants() == [tenant.pk, tenant.pk]
    assert ticket_tenants() == []


def test_an_unchanged_context_costs_no_statement(rows, tenant):
    with db_context.tenant_context(tenant):
        ticket_tenants()
        state = connection.rls_state
        ticket_tenants()
        assert connection.rls_state is state


@shared_task(name="tests.rls.visible_tickets")
def visible_tickets():
    return sorted(Ticket.objects.values_list("tenant_id", flat=True))


def test_a_task_enqueued_for_a_tenant_sees_only_that_tenant(rows, tenant, other_tenant):
    with db_context.tenant_context(tenant):
        assert visible_tickets.delay().get() == [tenant.pk, tenant.pk]
    assert visible_tickets.apply(headers={"opsdesk_rls": f"t:{other_tenant.pk}"}).get() == [other_tenant.pk] * 2
    assert ticket_tenants() == []  # the task's context ended with it


def test_a_task_from_beat_or_the_platform_is_platform_work(rows):
    assert len(visible_tickets.apply(headers={"opsdesk_rls": "p"}).get()) == 4
    assert db_context.from_header(None) == db_context.PLATFORM


def test_new_tenant_tables_are_walled_after_migrate():
    """What post_migrate does for a table a later migration adds."""
    with db_roles.owner_cursor() as cursor:
        cursor.execute("CREATE TABLE rls_probe_later (id serial PRIMARY KEY, tenant_id bigint)")
        try:
            cursor.execute("ALTER TABLE rls_probe_later NO FORCE ROW LEVEL SECURITY")
            changed = row_security.ensure(cursor.db)
            cursor.execute("SELECT relforcerowsecurity FROM pg_class WHERE relname = 'rls_probe_later'")
            forced = cursor.fetchone()[0]
            again = row_security.ensure(cursor.db)
        finally:
            cursor.execute("DROP TABLE rls_probe_later")
    assert (changed, forced, again) == (["rls_probe_later"], True, [])


def test_a_wall_of_an_older_version_is_rewritten_after_migrate():
    """The first wall compared `(SELECT current_setting(...)) = 'on'`, which the planner guesses
    true 0.5 % of the time; `ensure` replaces any wall that lacks the current version."""
    old = "(SELECT current_setting('app.platform', true)) = 'on' OR tenant_id = 0"
    with db_roles.owner_cursor() as cursor:
        cursor.execute(f"DROP POLICY {row_security.POLICY} ON tickets_ticket")
        cursor.execute(f"CREATE POLICY {row_security.POLICY} ON tickets_ticket USING ({old}) WITH CHECK ({old})")
        changed = row_security.ensure(cursor.db)
        again = row_security.ensure(cursor.db)
    assert "tickets_ticket" in changed and again == []
    [(using, comment)] = raw(
        "SELECT pg_get_expr(polqual, polrelid), obj_description(oid, 'pg_policy') FROM pg_policy "
        "WHERE polrelid = 'tickets_ticket'::regclass AND polname = %s",
        [row_security.POLICY],
    )
    assert "tenant_id = 0" not in using and comment == row_security.WALL_VERSION


def test_sqlite_has_no_rls_and_ensure_says_so_by_doing_nothing():
    class Sqlite:
        vendor = "sqlite"

    assert row_security.ensure(Sqlite()) == []


# The runbook's "RLS policy violations" check.


def test_the_rls_check_passes_while_every_table_is_walled_and_nothing_was_refused():
    from apps.health.probes.row_security import rls_policies

    assert rls_policies() == (0, "every tenant table is walled; no RLS violation in 24 h")


def test_the_rls_check_fails_on_a_violation_and_the_database_runbook_runs_it(rows, tenant, other_tenant):
    from apps.health.checks import CheckFailed
    from apps.health.probes.row_security import rls_policies
    from apps.incidents.models import Runbook

    with db_context.scope(db_context.tenant_state(tenant)):
        with pytest.raises(ProgrammingError), transaction.atomic():
            make_ticket(other_tenant, subject="Smuggled")
    with pytest.raises(CheckFailed, match="1 RLS violation"):
        rls_policies()
    with db_context.platform_context():
        runbook = Runbook.objects.get(slug="database-down")
    assert "rls_policies" in runbook.checks and "RLS_VIOLATION" in runbook.codes


def test_work_left_for_the_responses_close_runs_in_the_requests_context(rows, tenant, rf):
    """The WSGI server calls close() after the middleware returned (the AI API's deferred write)."""
    from django.core.signals import request_finished
    from django.db import close_old_connections
    from django.http import HttpResponse

    seen = []

    def view(request):
        db_context.use_tenant(tenant)
        response = HttpResponse("ok")
        response._resource_closers.append(lambda: seen.append(ticket_tenants()))
        return response

    response = db_context.RowSecurityMiddleware(view)(rf.get("/api/v1/tickets/"))
    request_finished.disconnect(close_old_connections)  # as the test client does around close()
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)
    assert seen == [[tenant.pk, tenant.pk]]
    assert ticket_tenants() == []


def test_the_ai_fast_path_acts_for_the_keys_tenant(tenant, rf):
    """/api/v1/ai/chat/completions answers tenant keys without DRF (apps/ai/fast_path.py)."""
    from apps.accounts import services as key_services
    from apps.ai import fast_path

    with db_context.platform_context():
        _, key = key_services.issue_tenant_key(tenant, name="fast path")
    request = rf.post(
        "/api/v1/ai/chat/completions",
        data={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hi"}]},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    with db_context.scope():
        assert fast_path.admitted(request) is not None
        assert db_context.current() == db_context.tenant_state(tenant)
