"""Taking a backup: dump as the owner, seal (encrypt when a key is set), checksum, store with its
manifest, record the Backup row, then apply retention. A failure is a failed row and a
BACKUP_FAILED event (which the seeded alert rule turns into an incident)."""

import logging
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from apps.backups import artifacts, crypto, database, dump, retention
from apps.backups.models import Backup
from apps.events import emit

logger = logging.getLogger("opsdesk.backups")
MANIFEST_VERSION = 1
CIPHER = "AES-256-GCM, 1 MiB chunks"


class BackupFailed(Exception):
    def __init__(self, backup):
        super().__init__(f"Backup #{backup.pk} failed: {backup.error}")
        self.backup = backup


STALE_AFTER = timedelta(hours=6)


def expire_stale_backups() -> int:
    """Backups left `running` by a process that died are failed, so no page shows them running forever."""
    return Backup.objects.filter(status=Backup.Status.RUNNING, started_at__lt=timezone.now() - STALE_AFTER).update(
        status=Backup.Status.FAILED, error="Lost: the process taking it stopped before it finished."
    )


def encryption_key() -> bytes | None:
    """The configured key as bytes, None when backups are not encrypted; BadKey for a bad one."""
    text = settings.BACKUP_ENCRYPTION_KEY
    return crypto.parse_key(text) if text else None


def run_backup(*, trigger="command", say=None) -> Backup:
    """Takes a backup now; returns the row (failed or succeeded). Never leaves it `running`."""
    say = say or (lambda line: None)
    expire_stale_backups()
    backup = Backup.objects.create(
        storage=settings.BACKUP_STORAGE, vendor="", started_at=timezone.now(), trigger=trigger
    )
    started = time.perf_counter()
    try:
        _take(backup, say)
    except Exception as exc:
        logger.exception("backup %s failed", backup.pk)
        return _failed(backup, started, exc)
    _finish(backup, started, Backup.Status.SUCCEEDED)
    say(f"Stored {backup.file_name}: {backup.size_bytes:,} bytes, SHA-256 {backup.sha256}")
    kept = apply_retention()
    say(f"Retention: {kept['kept']} kept, {kept['deleted']} deleted")
    backup.refresh_from_db()
    return backup


def _take(backup, say):
    target, key = database.current(), encryption_key()
    backup.vendor, backup.encrypted = target.vendor, key is not None
    say(f"Dumping the {target.label}")
    with tempfile.TemporaryDirectory(prefix="opsdesk-backup-") as work:
        raw = Path(work) / "dump"
        found = dump.take(target, raw)
        name = artifacts.file_name(target.vendor, backup.started_at, backup.encrypted)
        sealed = Path(work) / name
        say("Encrypting (AES-256-GCM)" if key else "Not encrypted: BACKUP_ENCRYPTION_KEY is not set")
        artifacts.seal(raw, sealed, key)
        backup.sha256, backup.size_bytes = artifacts.sha256_of(sealed), sealed.stat().st_size
        backup.manifest = manifest(backup, target, found)
        say(f"Writing to the storage {settings.BACKUP_STORAGE!r}")
        backup.file_name = artifacts.store(sealed, name, backup.manifest)
    backup.manifest["file"] = backup.file_name


def manifest(backup, target, found) -> dict:
    return {
        "format_version": MANIFEST_VERSION,
        "backup_id": backup.pk,
        "created_at": backup.started_at.isoformat(),
        "vendor": target.vendor,
        "database": target.name,
        "dumped_as": target.user or "the file's owner",
        "dump_format": found["format"],
        "compressed": True,
        "encrypted": backup.encrypted,
        "cipher": CIPHER if backup.encrypted else None,
        "size_bytes": backup.size_bytes,
        "sha256": backup.sha256,
        **{key: value for key, value in found.items() if key != "format"},
    }


def _finish(backup, started, status, error=""):
    backup.status, backup.error = status, error
    backup.finished_at = timezone.now()
    backup.duration_ms = int((time.perf_counter() - started) * 1000)
    backup.save()


def _failed(backup, started, exc) -> Backup:
    _finish(backup, started, Backup.Status.FAILED, f"{type(exc).__name__}: {exc}")
    emit(
        "BACKUP_FAILED",
        message=f"Backup #{backup.pk} failed: {backup.error[:300]}",
        source="backups",
        meta={"backup_id": backup.pk, "storage": backup.storage, "vendor": backup.vendor, "error": backup.error},
    )
    return backup


def policy() -> retention.Policy:
    return retention.Policy(
        daily=settings.BACKUP_KEEP_DAILY, weekly=settings.BACKUP_KEEP_WEEKLY, monthly=settings.BACKUP_KEEP_MONTHLY
    )


def apply_retention() -> dict:
    """Deletes the files retention does not keep (the rows stay, marked deleted) and notes on each
    kept one why it is kept."""
    live = list(Backup.objects.filter(status=Backup.Status.SUCCEEDED, deleted_at__isnull=True))
    kept = retention.decide([retention.Taken(b.pk, b.started_at) for b in live], policy())
    for backup in live:
        if backup.pk in kept:
            _keep(backup, ", ".join(kept[backup.pk]))
        else:
            _delete(backup)
    return {"kept": len(kept), "deleted": len(live) - len(kept)}


def _keep(backup, reasons):
    if backup.kept_as != reasons:
        Backup.objects.filter(pk=backup.pk).update(kept_as=reasons)


def _delete(backup):
    artifacts.remove(backup.file_name)
    Backup.objects.filter(pk=backup.pk).update(deleted_at=timezone.now(), kept_as="")
