"""`db_context.execute_carrying_context`: a hot path's statement takes the session's row-security
context with it in the same round trip, instead of a set_config round trip of its own."""

import pytest
from django.db import ProgrammingError, connection
from django.db.utils import ConnectionHandler

from apps.core import db_context
from tests import pg_wire

pytestmark = [pytest.mark.services, pytest.mark.django_db, pytest.mark.rls_wall]
SETTINGS = "SELECT current_setting('app.tenant_id', true), current_setting('app.platform', true)"


def carried(sql, params=()):
    with connection.cursor() as cursor:
        db_context.execute_carrying_context(cursor, sql, list(params))
        return cursor.fetchall()


def test_a_context_switch_travels_with_the_statement_in_one_round_trip(tenant):
    carried("SELECT 1")  # the session holds "no context"
    with db_context.tenant_context(tenant), pg_wire.traced() as wire:
        assert carried(SETTINGS) == [(str(tenant.pk), "off")]
    assert wire.round_trips == 1
    assert connection.rls_state == db_context.tenant_state(tenant)


def test_the_same_context_sends_the_statement_alone(tenant):
    with db_context.tenant_context(tenant):
        carried("SELECT 1")
        with pg_wire.traced() as wire:
            assert carried("SELECT %s", [7]) == [(7,)]
    assert wire.queries == ["SELECT 7"]


@pytest.mark.django_db(transaction=True)
def test_a_failed_statement_undoes_the_switch_and_the_next_query_sets_it_again(tenant):
    carried("SELECT 1")
    with db_context.platform_context(), pytest.raises(ProgrammingError):
        carried("SELECT no_such_column FROM tickets_ticket")
    assert connection.rls_state == db_context.UNKNOWN  # the session may hold either: it is set again
    with db_context.tenant_context(tenant):
        assert carried(SETTINGS) == [(str(tenant.pk), "off")]


def test_on_a_database_without_row_security_it_is_a_plain_execute():
    """The embedded default (SQLite, `make run`) has no RLS context to carry."""
    sqlite = ConnectionHandler({"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}})["default"]
    try:
        with sqlite.cursor() as cursor:
            db_context.execute_carrying_context(cursor, "SELECT %s", [7])
            assert cursor.fetchone() == (7,)
    finally:
        sqlite.close()
