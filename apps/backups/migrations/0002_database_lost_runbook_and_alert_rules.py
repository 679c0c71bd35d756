"""The runbook "Database lost" (restore from backup, step by step) and the alert rules that turn a
failed backup or restore drill into an incident. Rows an operator already has (same slug, same
rule name) are left as they are."""

from django.db import migrations

RUNBOOK = {
    "slug": "database-lost",
    "title": "Database lost",
    "symptom": "The database is gone or corrupted (disk lost, dropped by mistake, unrecoverable replica), or a "
    "backup or restore drill failed (BACKUP_FAILED, RESTORE_DRILL_FAILED) or the backup_freshness check fails.",
    "impact": "Everything stops until the restore: the promise is RPO 24 h (nightly backups) and RTO 4 h "
    "(the weekly drill measures the restore time).",
    "checks": ["backup_freshness", "database_latency"],
    "fix": "1. Declare a sev1 incident, put the status page in maintenance and stop web, worker and beat so "
    "nothing writes. "
    "2. Provision an empty PostgreSQL database and its two roles: the owner (CREATEDB, BYPASSRLS or superuser) "
    "and the app role (DATABASE_APP_ROLE) — the dump's grants name it. "
    "3. Point DATABASE_URL and DATABASE_OWNER_URL at it; set BACKUP_ENCRYPTION_KEY (from the secrets vault) "
    "and the same backup storage. "
    "4. `manage.py restore --list`, then `manage.py restore latest` (or a file name): it checks the SHA-256, "
    "decrypts, runs pg_restore as the owner and compares row counts with the manifest; it refuses a database "
    "with tables unless --force. "
    "5. `DATABASE_AS_OWNER=1 manage.py migrate` (applies anything newer than the backup). "
    "6. Start web, worker and beat; check /readyz, the Error Center and the inbox backlog; providers resend "
    "webhooks refused while down. "
    "7. Tell tenants what window of data (since the backup's time) may need re-entry; run `manage.py backup` and "
    "`manage.py restore_drill` on the new database. "
    "For a failed backup or drill: read the Backup or drill row's error (the failing check is named), fix "
    "(disk, storage credentials, key, pg_dump version, owner's rights) and run it again from the Jobs page.",
    "evidence": "The backup file and its manifest (time, SHA-256, row counts), the restore's printed steps and "
    "times, the row counts after, and the gap between the backup's time and the outage.",
    "codes": ["BACKUP_FAILED", "RESTORE_DRILL_FAILED"],
}

RULES = [
    dict(
        name="Backups: backup failed",
        metric="event_count",
        params={"code": "BACKUP_FAILED"},
        comparison="above",
        critical_threshold=0,
        window_minutes=60,
        priority="P2",
        description="A backup failed (BACKUP_FAILED) in the last hour. Runbook: Database lost — read the Backup "
        "row's error, fix it and run a backup from the Jobs page.",
    ),
    dict(
        name="Backups: restore drill failed",
        metric="event_count",
        params={"code": "RESTORE_DRILL_FAILED"},
        comparison="above",
        critical_threshold=0,
        window_minutes=60,
        priority="P2",
        description="A restore drill failed (RESTORE_DRILL_FAILED) in the last hour: the backups may not restore. "
        "The drill's row names the failing check.",
    ),
]


def seed(apps, schema_editor):
    Runbook = apps.get_model("incidents", "Runbook")
    Runbook.objects.get_or_create(slug=RUNBOOK["slug"], defaults={k: v for k, v in RUNBOOK.items() if k != "slug"})
    AlertRule = apps.get_model("events", "AlertRule")
    for rule in RULES:
        fields = dict(rule)
        AlertRule.objects.get_or_create(name=fields.pop("name"), defaults=fields)


def unseed(apps, schema_editor):
    apps.get_model("events", "AlertRule").objects.filter(name__in=[rule["name"] for rule in RULES]).delete()
    apps.get_model("incidents", "Runbook").objects.filter(slug=RUNBOOK["slug"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("backups", "0001_initial"),
        ("incidents", "0005_runbook_and_components"),
        ("events", "0010_alert_rule_min_volume"),
    ]
    operations = [migrations.RunPython(seed, unseed)]
