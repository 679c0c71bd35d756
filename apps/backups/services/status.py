"""What the Jobs page, the health page and the backup_freshness check read: the last good backup
and the last passed drill, and whether either is older than its limit."""

from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.db import connection
from django.utils import timezone

from apps.backups.models import Backup, BackupDrill


def last_backup(status=None) -> Backup | None:
    rows = Backup.objects.all() if status is None else Backup.objects.filter(status=status)
    return rows.order_by("-started_at").first()


def last_drill(status=None) -> BackupDrill | None:
    rows = BackupDrill.objects.select_related("backup")
    rows = rows if status is None else rows.filter(status=status)
    return rows.order_by("-started_at").first()


@dataclass(frozen=True)
class Freshness:
    ok: bool
    detail: str
    backup_age_hours: float | None
    drill_age_days: float | None


def _hours(delta) -> float:
    return round(delta.total_seconds() / 3600, 1)


def installed_at():
    """When this database got its first migration: before any backup exists, freshness counts from here."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT MIN(applied) FROM django_migrations")
        first = cursor.fetchone()[0]
    if first is None:
        return None
    moment = first if isinstance(first, datetime) else datetime.fromisoformat(str(first))
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=UTC)


def freshness(now=None) -> Freshness:
    """Fails when the last good backup is older than BACKUP_MAX_AGE_HOURS, or the last passed drill
    older than BACKUP_DRILL_MAX_AGE_DAYS. Before the first one, the install's age stands in for it:
    a fresh install is not failing, one that never got a backup in 26 h is."""
    now = now or timezone.now()
    backup, drill = last_backup(Backup.Status.SUCCEEDED), last_drill(BackupDrill.Status.PASSED)
    backup_age = _hours(now - backup.started_at) if backup else None
    drill_age = round(_hours(now - drill.started_at) / 24, 1) if drill else None
    install_hours = (now - (installed_at() or now)).total_seconds() / 3600
    problems = _problems(
        (now - backup.started_at).total_seconds() / 3600 if backup else install_hours,
        (now - drill.started_at).total_seconds() / 86400 if drill else install_hours / 24,
    )
    said = [
        f"no good backup yet (installed {install_hours:.1f} h ago)"
        if backup_age is None
        else f"last good backup {backup_age:g} h ago",
        "no passed restore drill yet" if drill_age is None else f"last passed drill {drill_age:g} days ago",
    ]
    detail = "; ".join(said) + (f" — {'; '.join(problems)}" if problems else "")
    return Freshness(not problems, detail, backup_age, drill_age)


def _problems(backup_hours, drill_days) -> list[str]:
    limit_h, limit_d = settings.BACKUP_MAX_AGE_HOURS, settings.BACKUP_DRILL_MAX_AGE_DAYS
    found = []
    if backup_hours > limit_h:
        found.append(f"a backup is due every {limit_h:g} h (BACKUP_MAX_AGE_HOURS)")
    if drill_days > limit_d:
        found.append(f"a passed drill is due every {limit_d:g} days (BACKUP_DRILL_MAX_AGE_DAYS)")
    return found
