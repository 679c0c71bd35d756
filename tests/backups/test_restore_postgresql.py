"""`manage.py restore` for real on PostgreSQL, as runbook "Database lost" has it: a fresh, empty
database (created by the owner), the app pointed at it, the backup taken from the test database
restored into it from the storage alone; then a second restore is refused without --force."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from apps.backups import restore, services
from apps.backups.database import current
from tests.factories import TenantFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
BASE_DIR = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def empty_database():
    if connection.vendor != "postgresql":
        pytest.skip("the pg_restore path needs PostgreSQL")
    source = current()
    name = f"{source.name[:40]}_lost"
    restore.drop_database(source, name)
    restore.create_database(source, name)
    yield source.named(name)
    restore.drop_database(source, name)


def url(target, user):
    return f"postgres://{user}@{target.host or '127.0.0.1'}:{target.port or 5432}/{target.name}"


def manage(target, storage, *args):
    app_user = connection.settings_dict["USER"]
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DATABASE_URL": url(target, app_user),
        "DATABASE_OWNER_URL": url(target, target.user),
        "BACKUP_DIR": str(storage),
        "DEBUG": "1",
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, capture_output=True, text=True, timeout=300, env=env
    )


def test_restore_into_an_empty_database_then_refuse_a_second_time(backup_storage, empty_database):
    TenantFactory(slug="kept-by-the-backup")
    backup = services.run_backup()
    assert backup.status == backup.Status.SUCCEEDED, backup.error

    done = manage(empty_database, backup_storage, "restore", backup.file_name)
    assert done.returncode == 0, done.stderr
    assert "2/7 Checking the target" in done.stdout and "6/7 Restoring into the empty database" in done.stdout
    assert "7/7 Row counts: ok" in done.stdout
    found = restore.contents(empty_database)
    assert found["tenants_tenant"] == 1 and found["tables"] > 50

    again = manage(empty_database, backup_storage, "restore", "latest")
    assert again.returncode != 0 and "not empty" in again.stderr and "tenants_tenant 1 rows" in again.stderr
