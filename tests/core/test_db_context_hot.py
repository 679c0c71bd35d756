"""`db_context.fetch_hot`: the statements every API call makes are prepared on the server once per
connection, and the session's row-security context travels with them in the same round trip."""

import pytest
from django.db import ProgrammingError, connection
from django.db.utils import ConnectionHandler

from apps.core import db_context
from tests import pg_wire

pytestmark = [pytest.mark.services, pytest.mark.django_db, pytest.mark.rls_wall]
SETTINGS = "SELECT current_setting('app.tenant_id', true), current_setting('app.platform', true)"


def hot(sql, params=()):
    return db_context.fetch_hot(connection, sql, list(params))


def sent(wire, message) -> list[str]:
    """The frontend's protocol messages of one kind (Parse, Bind, Query…) in the trace."""
    return [line for line in wire.lines if line.startswith("F") and f"\t{message}\t" in line]


def test_a_context_switch_travels_with_the_statement_in_one_round_trip(tenant):
    hot("SELECT 1")  # the session holds "no context"
    with db_context.tenant_context(tenant), pg_wire.traced() as wire:
        assert hot(SETTINGS) == [(str(tenant.pk), "off")]
    assert wire.round_trips == 1
    assert connection.rls_state == db_context.tenant_state(tenant)


def test_the_same_context_sends_the_statement_alone(tenant):
    with db_context.tenant_context(tenant):
        hot("SELECT %s::int", [7])
        with pg_wire.traced() as wire:
            assert hot("SELECT %s::int", [8]) == [(8,)]
    assert wire.round_trips == 1
    assert not any("set_config" in line for line in wire.lines)


def test_a_statement_is_parsed_once_per_connection_and_its_values_bound_by_the_server(tenant):
    hot("SELECT %s::int + 1", [1])
    if connection.connection.prepare_threshold is None:
        pytest.skip("DB_PREPARED_STATEMENTS=false: this run prepares nothing")
    with pg_wire.traced() as wire:
        assert hot("SELECT %s::int + 1", [41]) == [(42,)]
    assert sent(wire, "Parse") == []  # prepared at its first run: only Bind and Execute now
    assert len(sent(wire, "Bind")) == 1 and sent(wire, "Query") == []


def test_without_prepared_statements_it_still_answers_in_one_round_trip(tenant):
    """DB_PREPARED_STATEMENTS=false (a pooler that cannot keep them): nothing is kept on the server."""
    hot("SELECT 1")
    connection.connection.prepare_threshold = None
    try:
        with db_context.tenant_context(tenant), pg_wire.traced() as wire:
            assert hot(SETTINGS) == [(str(tenant.pk), "off")]
            assert hot(SETTINGS) == [(str(tenant.pk), "off")]
    finally:
        connection.close()  # the next test's connection prepares again
    assert wire.round_trips == 2
    assert sent(wire, "Parse") and all('Parse\t "" ' in line for line in sent(wire, "Parse"))  # unnamed


@pytest.mark.django_db(transaction=True)
def test_a_failed_statement_undoes_the_switch_and_the_next_query_sets_it_again(tenant):
    hot("SELECT 1")
    with db_context.platform_context(), pytest.raises(ProgrammingError):
        hot("SELECT no_such_column FROM tickets_ticket")
    assert connection.rls_state == db_context.UNKNOWN  # the session may hold either: it is set again
    with db_context.tenant_context(tenant):
        assert hot(SETTINGS) == [(str(tenant.pk), "off")]


def test_queries_made_this_way_are_in_django_s_query_log(tenant, django_assert_num_queries):
    with django_assert_num_queries(1):
        hot("SELECT 1")


def test_on_a_database_without_row_security_it_is_a_plain_execute():
    """The embedded default (SQLite, `make run`) has no RLS context to carry and prepares nothing."""
    sqlite = ConnectionHandler({"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}})["default"]
    try:
        assert db_context.fetch_hot(sqlite, "SELECT %s", [7]) == [(7,)]
    finally:
        sqlite.close()


@pytest.mark.django_db(transaction=True)
def test_a_write_row_security_refuses_in_a_pipeline_is_reported(tenant, other_tenant):
    """The refusal arrives when the pipeline syncs, after Django's execute wrapper has returned."""
    from apps.events.models import SystemEvent

    insert = "INSERT INTO tenants_usagecounter (tenant_id, metric, day, value) VALUES (%s, %s, CURRENT_DATE, 1)"
    hot("SELECT 1")  # the session holds "no context": the write below switches in its pipeline
    with db_context.scope(db_context.tenant_state(tenant)), pytest.raises(ProgrammingError, match="row-level"):
        hot(insert + " RETURNING id", [other_tenant.pk, "ai_requests"])
    with db_context.platform_context():
        violations = list(SystemEvent.objects.filter(code="RLS_VIOLATION"))
    assert [event.meta["context"] for event in violations] == [f"tenant {tenant.pk}"]
