"""The support_loop_e2e check (apps/drafts/e2e.py) joins the restore checklists of the "Chatwoot down",
"webhook failure" and "support flow" runbooks. Edits the seeded rows only where they still lack it
(an operator's own edits stay)."""

from django.db import migrations

CHECK = "support_loop_e2e"
SLUGS = ["chatwoot-down", "webhook-failures", "support-flow"]


def add(apps, schema_editor):
    for runbook in apps.get_model("incidents", "Runbook").objects.filter(slug__in=SLUGS):
        if CHECK not in (runbook.checks or []):
            runbook.checks = [*(runbook.checks or []), CHECK]
            runbook.save(update_fields=["checks"])


def remove(apps, schema_editor):
    for runbook in apps.get_model("incidents", "Runbook").objects.filter(slug__in=SLUGS):
        runbook.checks = [name for name in runbook.checks or [] if name != CHECK]
        runbook.save(update_fields=["checks"])


class Migration(migrations.Migration):
    dependencies = [("incidents", "0013_database_and_auth_signals_runbooks")]

    operations = [migrations.RunPython(add, remove)]
