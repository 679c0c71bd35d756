"""Backups as the Jobs page, the health page and the admin show them: sizes in MB, durations in
seconds or minutes, times in UTC with their zone."""

from apps.backups.services import status
from apps.core import zones


def megabytes(size) -> str:
    if size is None:
        return "-"
    return f"{size / 1_000_000:,.1f} MB" if size >= 100_000 else f"{size / 1000:,.1f} kB"


def seconds(value) -> str:
    if value is None:
        return "-"
    return f"{value:,.1f} s" if value < 120 else f"{value / 60:,.1f} min"


def backup_row(backup) -> dict | None:
    if backup is None:
        return None
    duration = backup.duration_ms / 1000 if backup.duration_ms is not None else None
    return {
        "obj": backup,
        "kind": "backup",
        "when": zones.when(backup.started_at),
        "size": megabytes(backup.size_bytes),
        "duration": seconds(duration),
        "status": backup.get_status_display(),
        "ok": backup.status == backup.Status.SUCCEEDED,
        "problem": backup.error.splitlines()[0][:200] if backup.error else "",
    }


def drill_row(drill) -> dict | None:
    if drill is None:
        return None
    return {
        "obj": drill,
        "kind": "drill",
        "when": zones.when(drill.started_at),
        "size": megabytes(drill.backup.size_bytes if drill.backup else None),
        "duration": seconds(drill.total_seconds),
        "restore": seconds(drill.restore_seconds),
        "status": drill.get_status_display(),
        "ok": drill.status == drill.Status.PASSED,
        "problem": f"{drill.failed_check}: {drill.error[:200]}" if drill.failed_check else "",
    }


def summary(now=None) -> dict:
    """The latest backup and drill whatever their outcome, the latest good ones, and the verdict of
    backup_freshness."""
    found = {
        "backup": backup_row(status.last_backup()),
        "good_backup": backup_row(status.last_backup("succeeded")),
        "drill": drill_row(status.last_drill()),
        "passed_drill": drill_row(status.last_drill("passed")),
        "freshness": status.freshness(now),
    }
    labels = [("backup", "Latest backup"), ("good_backup", "Latest good backup"), ("drill", "Latest drill")]
    found["rows"] = [(label, found[key]) for key, label in labels + [("passed_drill", "Latest passed drill")]]
    return found
