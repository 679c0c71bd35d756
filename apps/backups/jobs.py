"""Beat runs a backup every night and a restore drill every week (apps.jobs registry). A failed
backup or drill is recorded and announced by the service, and fails the run too, so the Jobs page
shows it red."""

from apps.backups import services
from apps.jobs.registry import register


@register("backups.backup", cron={"minute": 30, "hour": 2})
def nightly_backup(trigger="schedule"):
    """Backs the database up (as its owner) into BACKUP_STORAGE, then applies retention."""
    backup = services.run_backup(trigger=trigger)
    if backup.status != backup.Status.SUCCEEDED:
        raise services.BackupFailed(backup)
    return {"backup_id": backup.pk, "size_bytes": backup.size_bytes, "duration_ms": backup.duration_ms}


@register("backups.restore_drill", cron={"minute": 0, "hour": 4, "day_of_week": "sun"})
def weekly_restore_drill(trigger="schedule", backup_id=None):
    """Restores the latest backup (or `backup_id`) into a scratch database, checks it against its manifest,
    drops it."""
    drill = services.run_drill(backup=services.stored_backup(backup_id), trigger=trigger)
    if drill.status != drill.Status.PASSED:
        raise services.DrillFailed(drill)
    return {"drill_id": drill.pk, "restore_seconds": drill.restore_seconds, "total_seconds": drill.total_seconds}
