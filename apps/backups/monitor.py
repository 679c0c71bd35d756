"""The backup_freshness check (apps.health.checks), run by its platform monitor and the runbook
"Database lost": the last good backup and the last passed restore drill are recent enough."""

from apps.backups.services import status
from apps.health.checks import CheckFailed, check


@check(
    "backup_freshness",
    "Last good backup within BACKUP_MAX_AGE_HOURS, last passed drill within BACKUP_DRILL_MAX_AGE_DAYS",
)
def backup_freshness(*, tenant=None, connection=None):
    found = status.freshness()
    value = {"backup_age_hours": found.backup_age_hours, "drill_age_days": found.drill_age_days}
    if not found.ok:
        raise CheckFailed(found.detail, value=value)
    return value, found.detail
