"""The admin pages: backups and drills (readable sizes, durations, UTC times, links, the buttons),
the Jobs page and the health monitors page showing the last backup and drill."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.backups.models import Backup, BackupDrill
from apps.events.models import AuditEvent
from apps.jobs.models import WorkerRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def history():
    now = timezone.now()
    good = Backup.objects.create(
        file_name="opsdesk-20261203T023000Z.pgdump",
        storage="backups",
        vendor="postgresql",
        status=Backup.Status.SUCCEEDED,
        size_bytes=123_456_789,
        sha256="ab" * 32,
        duration_ms=95_500,
        started_at=now - timedelta(hours=3),
        finished_at=now - timedelta(hours=3) + timedelta(seconds=95),
        kept_as="daily, weekly, monthly",
        manifest={"row_counts": {"tenants_tenant": 2}},
    )
    failed = Backup.objects.create(
        storage="backups",
        vendor="postgresql",
        status=Backup.Status.FAILED,
        started_at=now - timedelta(hours=1),
        error="CommandFailed: pg_dump exited with 1: permission denied for table events_systemevent",
    )
    drill = BackupDrill.objects.create(
        backup=good,
        status=BackupDrill.Status.FAILED,
        started_at=now - timedelta(hours=2),
        restore_seconds=61.25,
        total_seconds=300.0,
        failed_check="row_counts",
        error="tenants_tenant: 1 restored, 2 in the manifest",
        checks=[
            {"name": "checksum", "ok": True, "detail": "SHA-256 matches"},
            {"name": "row_counts", "ok": False, "detail": "tenants_tenant: 1 restored, 2 in the manifest"},
        ],
    )
    return good, failed, drill


def test_the_backup_list_reads_like_a_report(operator, history):
    page = operator.get("/admin/backups/backup/").content.decode()
    assert "123.5 MB" in page and "95.5 s" in page and "UTC" in page
    assert "kept (daily, weekly, monthly)" in page and "permission denied for table" in page
    assert "Run a backup now…" in page and "Run a restore drill now…" in page


def test_a_backup_links_to_its_drills_and_shows_its_manifest(operator, history):
    good, _, drill = history
    page = operator.get(f"/admin/backups/backup/{good.pk}/change/").content.decode()
    assert f"/admin/backups/backupdrill/{drill.pk}/change/" in page and "tenants_tenant" in page


def test_a_drill_names_its_failing_check(operator, history):
    _, _, drill = history
    page = operator.get(f"/admin/backups/backupdrill/{drill.pk}/change/").content.decode()
    assert "FAILED" in page and "tenants_tenant: 1 restored, 2 in the manifest" in page and "61.2 s" in page
    assert operator.get("/admin/backups/backupdrill/?failed_check=row_counts").status_code == 200


def test_the_jobs_page_shows_the_last_backup_and_drill(operator, history):
    good, failed, drill = history
    page = operator.get("/admin/jobs/").content.decode()
    assert 'id="backups"' in page and "123.5 MB" in page and "5.0 min (restore 61.2 s)" in page
    assert (
        f"/admin/backups/backup/{failed.pk}/change/" in page
        and f"/admin/backups/backupdrill/{drill.pk}/change/" in page
    )
    assert "no passed restore drill yet" in page


def test_the_health_page_shows_them_too(operator, history):
    page = operator.get("/admin/health/healthmonitor/").content.decode()
    assert 'id="backup-freshness"' in page and "last good backup 3" in page and "123.5 MB" in page


def test_run_a_backup_now_asks_then_queues_and_audits(operator, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    page = operator.get("/admin/jobs/run/backup/")
    assert page.status_code == 200 and "Run a backup now?" in page.content.decode()
    assert not WorkerRun.objects.filter(name="backups.backup").exists()
    operator.post("/admin/jobs/run/backup/", {"confirm": "yes", "reason": "before the upgrade"})
    run = WorkerRun.objects.get(name="backups.backup")
    assert AuditEvent.objects.filter(action="jobs.run_requested", reason="before the upgrade").exists()
    assert run.trigger == "page"


def test_drill_this_backup_queues_a_drill_of_it(operator, history):
    good, failed, _ = history
    operator.post(
        "/admin/backups/backup/",
        {
            "action": "run_a_restore_drill_of_the_selected_backup_now_queued",
            "_selected_action": [good.pk, failed.pk],
            "confirm": "yes",
            "reason": "",
        },
    )
    runs = WorkerRun.objects.filter(name="backups.restore_drill")
    assert [run.params for run in runs] == [{"backup_id": good.pk}]
