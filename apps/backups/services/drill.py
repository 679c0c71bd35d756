"""The restore drill: the latest backup fetched, checked against its SHA-256, opened, restored into
a scratch database (PostgreSQL: a fresh `<db>_drill_<time>` created by the owner; SQLite: a
temporary file), compared with its manifest, and dropped. The time the restore took is the RTO
evidence. Every step's verdict is kept on the BackupDrill row; a failed drill names the first
failing check and emits RESTORE_DRILL_FAILED."""

import logging
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from apps.backups import artifacts, checks, database, restore
from apps.backups.checks import Verdict
from apps.backups.models import Backup, BackupDrill
from apps.backups.services.backup import STALE_AFTER, encryption_key
from apps.events import emit

logger = logging.getLogger("opsdesk.backups")


class DrillFailed(Exception):
    def __init__(self, drill):
        super().__init__(f"Restore drill #{drill.pk} failed at {drill.failed_check or 'start'}: {drill.error}")
        self.drill = drill


class Stop(Exception):
    """A step failed; its verdict is already recorded."""


def latest_backup() -> Backup | None:
    return Backup.objects.filter(status=Backup.Status.SUCCEEDED, deleted_at__isnull=True).first()


def expire_stale_drills() -> int:
    """Drills left `running` by a process that died are failed, and their scratch databases dropped."""
    stale = BackupDrill.objects.filter(status=BackupDrill.Status.RUNNING, started_at__lt=timezone.now() - STALE_AFTER)
    for drill in stale:
        if drill.scratch_database.startswith(database.current().name[:40] + "_drill_"):
            restore.drop_database(database.current(), drill.scratch_database)
    return stale.update(
        status=BackupDrill.Status.FAILED, error="Lost: the process running it stopped before it finished."
    )


def stored_backup(backup_id) -> Backup | None:
    """The backup to drill: `backup_id`'s when it is still stored (ValueError otherwise), else None (the latest)."""
    if backup_id is None:
        return None
    backup = Backup.objects.filter(pk=backup_id).first()
    if backup is None or not backup.available:
        raise ValueError(f"No stored backup #{backup_id}: it does not exist, failed, or retention deleted it.")
    return backup


def run_drill(*, backup=None, trigger="command", say=None) -> BackupDrill:
    say = say or (lambda line: None)
    expire_stale_drills()
    backup = backup or latest_backup()
    drill = BackupDrill.objects.create(backup=backup, started_at=timezone.now(), trigger=trigger)
    started, verdicts = time.perf_counter(), []
    if backup is None:
        verdicts.append(Verdict("backup", False, "there is no stored backup to restore: run manage.py backup first"))
    else:
        _attempt(drill, backup, verdicts, say)
    return _finish(drill, verdicts, time.perf_counter() - started, say)


def _attempt(drill, backup, verdicts, say):
    say(f"Drilling {backup.file_name} ({backup.size_bytes:,} bytes, taken {backup.started_at:%Y-%m-%d %H:%M} UTC)")
    with tempfile.TemporaryDirectory(prefix="opsdesk-drill-") as work:
        try:
            _steps(drill, backup, Path(work), verdicts, say)
        except Stop:
            pass


def _steps(drill, backup, work, verdicts, say):
    local = work / "fetched"
    _step(verdicts, "fetch", lambda: artifacts.fetch(backup.file_name, local))
    verdicts.append(checks.checksum(backup.sha256, artifacts.sha256_of(local)))
    if not verdicts[-1].ok:
        raise Stop
    started = time.perf_counter()
    opened = _step(verdicts, "decrypt", lambda: artifacts.unseal(local, backup.manifest, work, encryption_key()))
    drill.restore_seconds = round(time.perf_counter() - started, 3)
    restored = _restore_and_read(drill, backup, opened, verdicts, say)
    verdicts.extend(_compare(backup.manifest, restored))


def _step(verdicts, name, action):
    try:
        return action()
    except Exception as exc:
        logger.warning("restore drill step %s failed: %s", name, exc)
        verdicts.append(Verdict(name, False, f"{type(exc).__name__}: {exc}"))
        raise Stop from exc


def _restore_and_read(drill, backup, opened, verdicts, say) -> dict:
    source = database.current()
    if backup.vendor == "sqlite":
        drill.scratch_database = "a temporary SQLite file"
        scratch = database.Target("sqlite", str(opened))
        return _step(verdicts, "read", lambda: restore.read_facts(scratch))
    drill.scratch_database = scratch_name(source.name, drill.started_at)
    BackupDrill.objects.filter(pk=drill.pk).update(scratch_database=drill.scratch_database)  # found if we die
    scratch = source.named(drill.scratch_database)
    try:
        return _restore_postgresql(drill, source, scratch, opened, verdicts, say)
    finally:
        _step(verdicts, "drop", lambda: restore.drop_database(source, scratch.name))
        say(f"Dropped {scratch.name}")


def _restore_postgresql(drill, source, scratch, opened, verdicts, say) -> dict:
    say(f"Restoring into the scratch database {scratch.name}")
    started = time.perf_counter()
    _step(verdicts, "restore", lambda: restore.create_database(source, scratch.name))
    _step(verdicts, "restore", lambda: restore.pg_restore(scratch, opened))
    drill.restore_seconds = round(drill.restore_seconds + time.perf_counter() - started, 3)
    say(f"Restored in {drill.restore_seconds:.1f} s")
    return _step(verdicts, "read", lambda: restore.read_facts(scratch))


def scratch_name(database_name, at) -> str:
    """`<db>_drill_<UTC time>`, within PostgreSQL's 63-byte names."""
    return f"{database_name[:40]}_drill_{at:%Y%m%d%H%M%S}"


def _compare(manifest, restored) -> list[Verdict]:
    now, rpo = timezone.now(), timedelta(hours=settings.BACKUP_RPO_HOURS)
    return [
        checks.row_counts(manifest.get("row_counts", {}), restored["row_counts"]),
        checks.rpo(manifest, restored["newest_rows"], now, rpo),
        checks.migrations(manifest.get("migrations", {}), restored["migrations"]),
        checks.foreign_keys(restored["orphans"]),
        checks.rls(manifest.get("rls_forced_tables"), restored["rls_forced_tables"]),
    ]


def _finish(drill, verdicts, seconds, say) -> BackupDrill:
    for verdict in verdicts:
        say(f"{'ok  ' if verdict.ok else 'FAIL'} {verdict.name}: {verdict.detail}")
    drill.checks = [verdict.as_dict() for verdict in verdicts]
    drill.failed_check = checks.first_failure(verdicts)
    drill.status = BackupDrill.Status.FAILED if drill.failed_check else BackupDrill.Status.PASSED
    drill.error = next((v.detail for v in verdicts if not v.ok), "")
    drill.total_seconds, drill.finished_at = round(seconds, 3), timezone.now()
    drill.save()
    if drill.failed_check:
        _announce(drill)
    return drill


def _announce(drill):
    emit(
        "RESTORE_DRILL_FAILED",
        message=f"Restore drill #{drill.pk} failed at {drill.failed_check}: {drill.error[:300]}",
        source="backups",
        meta={
            "drill_id": drill.pk,
            "backup_id": drill.backup_id,
            "failed_check": drill.failed_check,
            "detail": drill.error,
        },
    )
