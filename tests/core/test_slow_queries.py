"""A statement slower than SLOW_QUERY_MS is logged at once and reported after its request or task
as a SLOW_QUERY event: normalised SQL without parameters, the request or job id, rate-limited per
statement with the held-back count, and kept even when its transaction rolls back."""

import importlib

import pytest
from celery.signals import task_postrun
from django.apps import apps as django_apps
from django.db import connection, transaction

from apps.core import context, slow_queries
from apps.events.alert_models import AlertRule
from apps.events.models import SystemEvent

pytestmark = [pytest.mark.services, pytest.mark.django_db]
SLEEP = "SELECT pg_sleep(0.05), 'guest@example.com' AS email WHERE 1 IN (1, 2, 3)"


@pytest.fixture(autouse=True)
def _slow_is_thirty_ms(settings):
    settings.SLOW_QUERY_MS = 30
    settings.SLOW_QUERY_REPORT_EVERY_S = 60
    slow_queries._limiter.last_at.clear()
    slow_queries._limiter.held.clear()
    slow_queries._pending.queries = []


def run_slow():
    with connection.cursor() as cursor:
        cursor.execute(SLEEP)


def test_normalising_drops_literals_and_collapses_lists():
    sql = "SELECT * FROM t WHERE a IN (%s, %s, %s) AND b = 'x''y' AND c > 42 AND t.c2 = %s"

    assert slow_queries.normalise(sql) == "SELECT * FROM t WHERE a IN (...) AND b = ? AND c > ? AND t.c2 = ?"
    assert (
        slow_queries.normalise("INSERT INTO t VALUES (%s, %s), (%s, %s), (%s, %s)") == "INSERT INTO t VALUES (...), ..."
    )


def test_every_connection_carries_the_timing_wrapper():
    connection.ensure_connection()

    assert slow_queries.wrapper in connection.execute_wrappers


def test_a_slow_query_becomes_an_event_after_the_job_with_its_id_and_no_parameters():
    with context.bound(job_id="knowledge.sync_chatwoot:42", request_id="req-1"):
        run_slow()
    assert not SystemEvent.objects.filter(code="SLOW_QUERY").exists()

    task_postrun.send(sender=None, task_id="42")

    event = SystemEvent.objects.get(code="SLOW_QUERY")
    assert event.meta["sql"] == "SELECT pg_sleep(?), ? AS email WHERE ? IN (...)"
    assert event.meta["job_id"] == "knowledge.sync_chatwoot:42" and event.meta["request_id"] == "req-1"
    assert event.meta["duration_ms"] >= 30 and "guest@example.com" not in str(event.meta)


def test_the_same_statement_is_reported_once_a_minute_with_the_count_held_back():
    for _ in range(3):
        run_slow()
    slow_queries.flush()
    slow_queries._limiter.last_at[slow_queries.normalise(SLEEP)] -= 61
    run_slow()
    slow_queries.flush()

    held = list(SystemEvent.objects.filter(code="SLOW_QUERY").order_by("id").values_list("meta__held_back", flat=True))
    assert held == [0, 2]


def test_a_slow_query_in_a_rolled_back_transaction_is_still_reported():
    with pytest.raises(RuntimeError), transaction.atomic():
        run_slow()
        raise RuntimeError("the caller failed")

    assert slow_queries.flush() == 1
    assert SystemEvent.objects.filter(code="SLOW_QUERY").count() == 1


def test_a_request_reports_its_slow_queries_when_it_finishes(client, settings):
    settings.SLOW_QUERY_MS = 0
    settings.SLOW_QUERY_REPORT_EVERY_S = 3600

    response = client.get("/status/")

    assert response.status_code == 200
    event = SystemEvent.objects.filter(code="SLOW_QUERY").first()
    assert event is not None and event.meta["request_id"] == response["X-Request-ID"]


def test_the_slow_query_alert_rule_is_seeded():
    importlib.import_module("apps.events.migrations.0012_seed_database_and_auth_alert_rules").seed(django_apps, None)
    rule = AlertRule.objects.get(name="Database: slow queries")

    assert (rule.metric, rule.params, rule.window_minutes) == ("event_count", {"code": "SLOW_QUERY"}, 10)
