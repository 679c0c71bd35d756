"""Connection errors seen while the database is down are spooled to a file (there is nowhere else
to put them) and reported once it answers again as one DATABASE_UNAVAILABLE event, which the seeded
alert rule turns into a sev1; a report that cannot be stored leaves the spool as it was."""

import importlib
import json
import os
import subprocess
import sys
import time
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


# --- a drain that died leaves its .draining file: the next drain takes it over ------------------


HOLD_LOCK = """
import fcntl, sys, time
handle = open(sys.argv[1], "rb")
fcntl.flock(handle, fcntl.LOCK_EX)
print("locked", flush=True)
time.sleep(120)
"""


def left_draining(lines, *, idle_s=db_outages.RECLAIM_AFTER_S + 1, pid=4_000_000):
    """A `.draining` file as a drain that took the spool over leaves it, untouched for `idle_s`."""
    path = db_outages.spool_path().with_name(f"{db_outages.SPOOL_NAME}.{pid}.deadbeef.draining")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines))
    old = time.time() - idle_s
    os.utime(path, (old, old))
    return path


def spooled_line(where):
    return json.dumps({"at": timezone.now().isoformat(), "where": where, "error": "connection refused"})


@contextmanager
def drain_alive_in_another_process(path):
    """A real process holding the file's lock, as a drain in progress does; it dies on exit."""
    owner = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert owner.stdout.readline().strip() == "locked"
        yield owner
    finally:
        owner.kill()
        owner.wait()
        owner.stdout.close()


@contextmanager
def recoveries():
    reported = []

    def keep(outage, **kwargs):
        reported.append(outage)

    database_recovered.connect(keep, dispatch_uid="test.keep", weak=False)
    try:
        yield reported
    finally:
        database_recovered.disconnect(dispatch_uid="test.keep")


def draining_files():
    return sorted(db_outages.spool_path().parent.glob("*.draining"))


@pytest.mark.django_db
def test_a_dead_drains_file_is_reported_with_the_new_spool_as_one_outage():
    left_draining([spooled_line("readyz"), spooled_line("readyz")])
    db_outages.record(wrapped(), "webhook /webhooks/meta/")

    with recoveries() as reported:
        outage = db_outages.drain()

    assert outage.errors == 3 and outage.places == {"readyz": 2, "webhook /webhooks/meta/": 1}
    assert [o.errors for o in reported] == [3]
    assert draining_files() == [] and not db_outages.pending()


@pytest.mark.django_db
def test_a_file_whose_drain_is_alive_is_left_to_it_until_that_process_dies():
    path = left_draining([spooled_line("readyz")])

    with drain_alive_in_another_process(path), recoveries() as reported:
        assert db_outages.drain() is None
        assert draining_files() == [path] and reported == []

    with recoveries() as reported:
        assert db_outages.drain().errors == 1
    assert draining_files() == []


@pytest.mark.django_db
def test_a_freshly_taken_file_waits_for_the_safe_age_even_unlocked():
    path = left_draining([spooled_line("readyz")], idle_s=5)

    with recoveries() as reported:
        assert db_outages.drain() is None

    assert reported == [] and draining_files() == [path]


@pytest.mark.django_db
def test_a_reclaimed_file_that_cannot_be_reported_goes_back_to_the_spool():
    left_draining([spooled_line("readyz")])

    def refuse(**kwargs):
        return False

    database_recovered.connect(refuse, dispatch_uid="test.refuse")
    try:
        assert db_outages.drain() is None
    finally:
        database_recovered.disconnect(dispatch_uid="test.refuse")
    assert draining_files() == [] and len(db_outages.spool_path().read_text().splitlines()) == 1


@pytest.mark.django_db
def test_a_torn_line_is_skipped_rather_than_blocking_every_drain():
    left_draining([spooled_line("readyz"), '{"at": "2026-12-', "not json"])

    with recoveries():
        assert db_outages.drain().errors == 1
    assert draining_files() == []
