"""Row-level security on every table with a tenant_id (apps/core/row_security.py), the alert rule
"any RLS violation", and the "database-down" runbook's rls_policies check and RLS_VIOLATION code
(where the seeded row still lacks them). Tables added later are walled by the tenants app's
post_migrate receiver."""

from django.db import migrations

from apps.core import row_security


def forwards(apps, schema_editor):
    row_security.ensure(schema_editor.connection)


def backwards(apps, schema_editor):
    row_security.remove(schema_editor.connection)


RULE = dict(
    name="Row-level security violations",
    metric="event_count",
    params={"code": "RLS_VIOLATION"},
    comparison="above",
    critical_threshold=0,
    window_minutes=60,
    priority="P1",
    description="Writes PostgreSQL refused by the tenant wall (RLS_VIOLATION): any one is a bug to chase.",
)


def seed_rule(apps, schema_editor):
    fields = dict(RULE)
    apps.get_model("events", "AlertRule").objects.get_or_create(name=fields.pop("name"), defaults=fields)


def unseed_rule(apps, schema_editor):
    apps.get_model("events", "AlertRule").objects.filter(name=RULE["name"]).delete()


CHECK, CODE = "rls_policies", "RLS_VIOLATION"


def runbook_adds(apps, schema_editor):
    runbook = apps.get_model("incidents", "Runbook").objects.filter(slug="database-down").first()
    if runbook is None:
        return
    runbook.checks = [*(runbook.checks or []), *([CHECK] if CHECK not in (runbook.checks or []) else [])]
    runbook.codes = [*(runbook.codes or []), *([CODE] if CODE not in (runbook.codes or []) else [])]
    runbook.save(update_fields=["checks", "codes"])


def runbook_removes(apps, schema_editor):
    runbook = apps.get_model("incidents", "Runbook").objects.filter(slug="database-down").first()
    if runbook is None:
        return
    runbook.checks = [name for name in runbook.checks or [] if name != CHECK]
    runbook.codes = [code for code in runbook.codes or [] if code != CODE]
    runbook.save(update_fields=["checks", "codes"])


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0004_ai_token_limits"),
        ("accounts", "0002_telegram_links_and_signups"),
        ("events", "0011_readable_field_names"),
        ("incidents", "0009_ban_flow"),
        ("integrations", "0008_pms_sync_runs"),
        ("tickets", "0005_readable_field_names"),
        ("health", "0003_inbound_silence_and_heartbeats"),
        ("outbound", "0004_readable_field_names"),
        ("ai", "0004_contact_throttle"),
        ("knowledge", "0004_chunk_vector_plain_storage"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
        migrations.RunPython(seed_rule, unseed_rule),
        migrations.RunPython(runbook_adds, runbook_removes),
    ]
