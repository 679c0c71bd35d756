"""A failed backup is a BACKUP_FAILED event that the seeded alert rule turns into an incident with
the "Database lost" runbook; backup_freshness fails on an old backup or drill; the beat jobs fail
their run when the backup or drill fails."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.utils import timezone

from apps.backups import services
from apps.backups.models import Backup, BackupDrill
from apps.events.models import SystemEvent
from apps.health import checks
from apps.health import services as health
from apps.health.models import HealthMonitor
from apps.incidents.models import Incident
from apps.incidents.services.detection import evaluate_alert_rules
from apps.jobs import services as jobs
from apps.jobs.models import WorkerRun

pytestmark = pytest.mark.django_db
seeding = importlib.import_module("apps.backups.migrations.0002_database_lost_runbook_and_alert_rules")


@pytest.fixture
def seeded(db):
    """The rules and runbook the migration seeds (a transactional test elsewhere may have flushed them)."""
    seeding.seed(django_apps, None)


@pytest.fixture
def broken_key(settings, backup_storage):
    settings.BACKUP_ENCRYPTION_KEY = "not-a-key"


def test_a_failed_backup_is_recorded_and_announced(broken_key):
    backup = services.run_backup()
    assert backup.status == Backup.Status.FAILED and "BadKey" in backup.error
    assert backup.finished_at is not None and backup.file_name == ""
    event = SystemEvent.objects.get(code="BACKUP_FAILED")
    assert event.meta["backup_id"] == backup.pk and "urlsafe_b64encode" in event.meta["error"]


def test_backup_failed_opens_an_incident_with_the_database_lost_runbook(seeded, broken_key):
    services.run_backup()
    evaluate_alert_rules()
    incident = Incident.objects.get(dedup_key__contains="alert")
    assert incident.title == "Alert: Backups: backup failed" and incident.is_open
    assert incident.runbook.slug == "database-lost" and incident.severity == "sev2"


def test_a_failed_drill_opens_its_incident_too(seeded, backup_storage):
    services.run_drill()  # no backup at all
    evaluate_alert_rules()
    assert Incident.objects.get().title == "Alert: Backups: restore drill failed"


def good(hours_ago=1, drill_days_ago=1):
    now = timezone.now()
    backup = Backup.objects.create(
        status=Backup.Status.SUCCEEDED, storage="backups", vendor="sqlite", started_at=now - timedelta(hours=hours_ago)
    )
    BackupDrill.objects.create(
        backup=backup, status=BackupDrill.Status.PASSED, started_at=now - timedelta(days=drill_days_ago)
    )


def test_freshness_passes_with_a_recent_backup_and_drill():
    good()
    result = checks.run("backup_freshness")
    assert result.status == checks.PASS
    assert result.detail == "last good backup 1 h ago; last passed drill 1 days ago"


@pytest.mark.parametrize(
    "hours_ago, drill_days_ago, problem",
    [
        (27, 1, "a backup is due every 26 h (BACKUP_MAX_AGE_HOURS)"),
        (1, 9, "a passed drill is due every 8 days (BACKUP_DRILL_MAX_AGE_DAYS)"),
    ],
)
def test_freshness_fails_on_an_old_backup_or_drill(hours_ago, drill_days_ago, problem):
    good(hours_ago, drill_days_ago)
    result = checks.run("backup_freshness")
    assert result.status == checks.FAIL and problem in result.detail


def test_a_fresh_install_without_backups_is_not_failing_yet():
    result = checks.run("backup_freshness")
    assert result.status == checks.PASS and result.detail.startswith("no good backup yet (installed ")


def test_an_install_older_than_the_limits_without_a_good_backup_fails(settings):
    settings.BACKUP_MAX_AGE_HOURS, settings.BACKUP_DRILL_MAX_AGE_DAYS = 0, 0
    Backup.objects.create(status=Backup.Status.FAILED, storage="backups", vendor="sqlite", started_at=timezone.now())
    result = checks.run("backup_freshness")
    assert result.status == checks.FAIL and "no passed restore drill yet" in result.detail
    assert "a backup is due every 0 h" in result.detail and "a passed drill is due every 0 days" in result.detail


def test_the_thresholds_are_settings(settings):
    good(hours_ago=5)
    settings.BACKUP_MAX_AGE_HOURS = 4
    assert checks.run("backup_freshness").status == checks.FAIL


def test_the_platform_monitor_runs_backup_freshness():
    health.sync_monitors()
    monitor = HealthMonitor.objects.get(key="backups")
    assert monitor.check_name == "backup_freshness" and monitor.is_platform


def test_the_nightly_job_fails_its_run_when_the_backup_fails(broken_key):
    run = jobs.run_job("backups.backup")
    assert run.status == WorkerRun.Status.FAILED and "BackupFailed" in run.error


def test_the_weekly_drill_job_fails_its_run_without_a_backup(backup_storage):
    run = jobs.run_job("backups.restore_drill")
    assert run.status == WorkerRun.Status.FAILED and "DrillFailed" in run.error
