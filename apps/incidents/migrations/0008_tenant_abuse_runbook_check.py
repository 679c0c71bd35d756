"""The "tenant-abuse" runbook also runs the tenant_ai_abuse check and covers AI_ABUSE_THROTTLED.
Edits the seeded row only where it still lacks them (an operator's own edits stay)."""

from django.db import migrations

CHECK, CODE = "tenant_ai_abuse", "AI_ABUSE_THROTTLED"


def add(apps, schema_editor):
    runbook = apps.get_model("incidents", "Runbook").objects.filter(slug="tenant-abuse").first()
    if runbook is None:
        return
    runbook.checks = list(runbook.checks or []) + ([CHECK] if CHECK not in (runbook.checks or []) else [])
    runbook.codes = list(runbook.codes or []) + ([CODE] if CODE not in (runbook.codes or []) else [])
    runbook.save(update_fields=["checks", "codes"])


def remove(apps, schema_editor):
    runbook = apps.get_model("incidents", "Runbook").objects.filter(slug="tenant-abuse").first()
    if runbook is None:
        return
    runbook.checks = [name for name in runbook.checks or [] if name != CHECK]
    runbook.codes = [code for code in runbook.codes or [] if code != CODE]
    runbook.save(update_fields=["checks", "codes"])


class Migration(migrations.Migration):
    dependencies = [("incidents", "0007_notification_tenant_warning")]

    operations = [migrations.RunPython(add, remove)]
