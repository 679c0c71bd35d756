"""Retention on stored backups: the files it does not keep are deleted from the storage (with their
manifests), their rows stay as history marked deleted, and the kept ones say why."""

from datetime import UTC, datetime, timedelta

import pytest

from apps.backups import services
from apps.backups.models import Backup

pytestmark = pytest.mark.django_db


def stored(folder, at):
    name = f"opsdesk-{at:%Y%m%dT%H%M%SZ}.pgdump"
    folder.mkdir(exist_ok=True)
    (folder / name).write_bytes(b"PGDMP")
    (folder / f"{name}.manifest.json").write_text("{}")
    return Backup.objects.create(
        file_name=name, storage="backups", vendor="postgresql", status=Backup.Status.SUCCEEDED, started_at=at
    )


def test_retention_deletes_what_it_does_not_keep(backup_storage, settings):
    settings.BACKUP_KEEP_DAILY, settings.BACKUP_KEEP_WEEKLY, settings.BACKUP_KEEP_MONTHLY = 2, 0, 0
    start = datetime(2026, 11, 28, 2, 30, tzinfo=UTC)
    backups = [stored(backup_storage, start + timedelta(days=n)) for n in range(4)]
    failed = Backup.objects.create(storage="backups", vendor="postgresql", status="failed", started_at=start)

    assert services.apply_retention() == {"kept": 2, "deleted": 2}

    rows = {backup.pk: Backup.objects.get(pk=backup.pk) for backup in backups}
    old, new = backups[:2], backups[2:]
    assert all(rows[b.pk].deleted_at is not None and not (backup_storage / b.file_name).exists() for b in old)
    assert not any((backup_storage / f"{b.file_name}.manifest.json").exists() for b in old)
    assert all(rows[b.pk].kept_as == "daily" and (backup_storage / b.file_name).exists() for b in new)
    assert Backup.objects.get(pk=failed.pk).deleted_at is None  # a failed backup has no file to delete
