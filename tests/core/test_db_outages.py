"""Connection errors seen while the database is down are spooled to a file (there is nowhere else
to put them) and reported once it answers again as one DATABASE_UNAVAILABLE event, which the seeded
alert rule turns into a sev1; a report that cannot be stored leaves the spool as it was."""

import importlib
from contextlib import contextmanager

import psycopg
import pytest
from django.apps import apps as django_apps
from django.db import OperationalError, ProgrammingError, connection
from django.test import Client
from django.utils import timezone

from apps.core import db_outages
from apps.core.signals import database_recovered
from apps.events.alert_models import AlertRule
from apps.events.models import SystemEvent
from apps.incidents.models import Incident
from apps.incidents.services import detection
from apps.jobs.services import run_job
from tests.core.test_database_outage import KEY, closed_port

seeded_rules = importlib.import_module("apps.events.migrations.0012_seed_database_and_auth_alert_rules")


@pytest.fixture(autouse=True)
def _spool_in_tmp(settings, tmp_path):
    settings.DB_OUTAGE_SPOOL_DIR = tmp_path / "spool"


def wrapped(cause=None):
    error = OperationalError("connection failed")
    error.__cause__ = cause
    return error


def test_only_errors_about_reaching_the_database_count():
    assert db_outages.is_connection_error(wrapped())
    assert db_outages.is_connection_error(wrapped(psycopg.errors.AdminShutdown("terminating connection")))
    assert not db_outages.is_connection_error(wrapped(psycopg.errors.QueryCanceled("statement timeout")))
    assert not db_outages.is_connection_error(ProgrammingError("syntax error"))


def test_spooled_errors_are_summed_up_into_one_outage():
    for where in ("readyz", "webhook /webhooks/meta/", "readyz"):
        db_outages.record(wrapped(), where)

    outage = db_outages.summarise(db_outages.spool_path().read_text().splitlines())

    assert outage.errors == 3 and outage.places == {"readyz": 2, "webhook /webhooks/meta/": 1}


@pytest.mark.django_db
def test_a_report_that_cannot_be_stored_leaves_the_spool_untouched():
    db_outages.record(wrapped(), "readyz")

    def refuse(**kwargs):
        return False

    database_recovered.connect(refuse, dispatch_uid="test.refuse")
    try:
        assert db_outages.drain() is None
    finally:
        database_recovered.disconnect(dispatch_uid="test.refuse")
    assert db_outages.pending() and len(db_outages.spool_path().read_text().splitlines()) == 1


@contextmanager
def database_unreachable():
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT=closed_port(), CONN_MAX_AGE=0)
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_errors_while_down_become_one_event_and_a_sev1_once_the_database_is_back():
    seeded_rules.seed(django_apps, None)  # a transactional test before this one may have flushed them
    with database_unreachable():
        assert Client(raise_request_exception=False).get("/readyz").status_code == 503
        api = Client(raise_request_exception=False).get("/api/v1/tenant/", HTTP_AUTHORIZATION=f"Bearer {KEY}")
        assert api.status_code == 503

    assert run_job("events.report_database_outages").counts == {"errors": 2}

    event = SystemEvent.objects.get(code="DATABASE_UNAVAILABLE")
    assert event.meta["errors"] == 2 and "readyz ×1" in event.meta["where"]
    assert "GET /api/v1/tenant/ ×1" in event.meta["where"]
    assert not db_outages.pending()
    detection.evaluate_alert_rules(now=timezone.now())
    assert AlertRule.objects.get(name="Database: connection errors").state == "critical"
    assert Incident.objects.get(title="Alert: Database: connection errors").severity == "sev1"


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_readyz_reports_the_outage_as_soon_as_the_database_answers():
    with database_unreachable():
        Client(raise_request_exception=False).get("/readyz")

    assert Client().get("/readyz").status_code == 200
    assert SystemEvent.objects.get(code="DATABASE_UNAVAILABLE").meta["errors"] == 1
