"""The operations of apps.backups, the only code that writes Backup and BackupDrill rows:
taking a backup and applying retention (`backup`), the restore drill (`drill`), the real restore
(`restoring`), and what the Jobs and health pages read (`status`)."""

from apps.backups.services.backup import BackupFailed, apply_retention, run_backup
from apps.backups.services.drill import DrillFailed, run_drill, stored_backup
from apps.backups.services.restoring import RestoreRefused, restore_backup
from apps.backups.services.status import freshness, last_backup, last_drill

__all__ = [
    "BackupFailed",
    "DrillFailed",
    "RestoreRefused",
    "apply_retention",
    "freshness",
    "last_backup",
    "last_drill",
    "restore_backup",
    "run_backup",
    "run_drill",
    "stored_backup",
]
