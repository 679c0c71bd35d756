"""Backups and restore drills on the real PostgreSQL, dumped and restored as the test database's
owner while the test itself talks as the app's role. Data is committed (transactional tests), since
pg_dump sees only what is committed."""

import json

import pytest
from django.db import connection

from apps.backups import artifacts, crypto, services
from apps.backups.models import Backup, BackupDrill
from apps.events import emit
from apps.events.models import SystemEvent
from tests.db_roles import owner_cursor
from tests.factories import TenantFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("the pg_dump path needs PostgreSQL")


@pytest.fixture
def data(db):
    tenants = [TenantFactory(), TenantFactory()]
    for tenant in tenants:
        emit("JOB_FAILED", tenant=tenant, message="for the backup", source="tests")
    return tenants


def scratch_databases():
    with owner_cursor() as cursor:
        cursor.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", [connection.settings_dict["NAME"] + "_drill_%"]
        )
        return [row[0] for row in cursor.fetchall()]


def test_backup_writes_the_dump_and_its_manifest(backup_storage, data):
    backup = services.run_backup()
    assert backup.status == Backup.Status.SUCCEEDED, backup.error
    stored = backup_storage / backup.file_name
    assert backup.file_name.endswith(".pgdump") and stored.read_bytes()[:5] == b"PGDMP"
    assert backup.size_bytes == stored.stat().st_size and backup.sha256 == artifacts.sha256_of(stored)
    manifest = json.loads((backup_storage / f"{backup.file_name}.manifest.json").read_text())
    assert manifest == backup.manifest
    assert manifest["row_counts"]["tenants_tenant"] == 2
    assert manifest["row_counts"]["events_systemevent"] == SystemEvent.objects.count() == 2
    assert manifest["migrations"]["backups"] == "0002_database_lost_runbook_and_alert_rules"
    assert manifest["server"].startswith("PostgreSQL ") and manifest["vendor"] == "postgresql"
    assert manifest["dumped_as"] == "postgres" != connection.settings_dict["USER"]
    assert manifest["newest_rows"]["events_systemevent"] is not None
    assert backup.duration_ms is not None and backup.kept_as == "daily, weekly, monthly"


def test_drill_restores_checks_and_drops_the_scratch_database(backup_storage, data):
    services.run_backup()
    drill = services.run_drill()
    assert drill.status == BackupDrill.Status.PASSED, drill.checks
    names = [check["name"] for check in drill.checks]
    assert names == ["checksum", "row_counts", "rpo", "migrations", "foreign_keys", "rls"]
    assert all(check["ok"] for check in drill.checks)
    assert drill.restore_seconds > 0 and drill.total_seconds >= drill.restore_seconds
    assert drill.scratch_database.startswith(connection.settings_dict["NAME"] + "_drill_")
    assert scratch_databases() == []


def test_an_encrypted_backup_is_drilled_with_the_key(backup_storage, data, settings):
    settings.BACKUP_ENCRYPTION_KEY = crypto.new_key()
    backup = services.run_backup()
    assert backup.encrypted and backup.file_name.endswith(".pgdump.enc")
    assert crypto.is_encrypted(backup_storage / backup.file_name)
    assert services.run_drill().status == BackupDrill.Status.PASSED


def test_a_corrupted_file_fails_the_checksum_and_restores_nothing(backup_storage, data):
    backup = services.run_backup()
    stored = backup_storage / backup.file_name
    body = bytearray(stored.read_bytes())
    body[-100] ^= 0xFF
    stored.write_bytes(bytes(body))
    drill = services.run_drill()
    assert drill.status == BackupDrill.Status.FAILED and drill.failed_check == "checksum"
    assert "the file changed" in drill.error and drill.restore_seconds is None
    event = SystemEvent.objects.get(code="RESTORE_DRILL_FAILED")
    assert event.meta["failed_check"] == "checksum" and event.meta["drill_id"] == drill.pk
    assert scratch_databases() == []


def test_rows_missing_from_the_dump_fail_the_row_counts(backup_storage, data):
    backup = services.run_backup()
    counts = backup.manifest["row_counts"]
    Backup.objects.filter(pk=backup.pk).update(
        manifest={**backup.manifest, "row_counts": {**counts, "tenants_tenant": 3}}
    )
    drill = services.run_drill()
    assert drill.failed_check == "row_counts"
    assert drill.error == "tenants_tenant: 2 restored, 3 in the manifest"
    assert scratch_databases() == []


def test_restore_refuses_a_database_that_is_not_empty(backup_storage, data):
    backup = services.run_backup()
    with pytest.raises(services.RestoreRefused, match="not empty .*tenants_tenant 2 rows.*--force"):
        services.restore_backup(backup.file_name)
    assert Backup.objects.count() == 1  # nothing was touched


def test_no_backup_is_a_failed_drill_that_says_so(backup_storage, db):
    drill = services.run_drill()
    assert drill.failed_check == "backup" and "run manage.py backup first" in drill.error


def test_a_drill_lost_mid_way_is_failed_and_its_scratch_database_dropped(backup_storage, data):
    from datetime import timedelta

    from django.utils import timezone

    from apps.backups import database, restore

    source = database.current()
    lost = BackupDrill.objects.create(
        status=BackupDrill.Status.RUNNING,
        started_at=timezone.now() - timedelta(hours=7),
        scratch_database=f"{source.name[:40]}_drill_20261201040000",
    )
    restore.create_database(source, lost.scratch_database)
    stuck = Backup.objects.create(
        storage="backups", vendor="postgresql", started_at=timezone.now() - timedelta(hours=7)
    )

    services.run_backup()
    services.run_drill()

    lost.refresh_from_db()
    stuck.refresh_from_db()
    assert lost.status == BackupDrill.Status.FAILED and lost.error.startswith("Lost:")
    assert stuck.status == Backup.Status.FAILED and stuck.error.startswith("Lost:")
    assert scratch_databases() == []
