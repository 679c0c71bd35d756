"""The "manual-fallback" runbook lists the codes fallback manual mode emits when it is switched
(MANUAL_MODE_ON, MANUAL_MODE_OFF), so its page names the events an operator sees. Adds them to the
seeded row only where it still lacks them (an operator's own edits stay)."""

from django.db import migrations

SLUG = "manual-fallback"
CODES = ["MANUAL_MODE_ON", "MANUAL_MODE_OFF"]


def add(apps, schema_editor):
    for runbook in apps.get_model("incidents", "Runbook").objects.filter(slug=SLUG):
        runbook.codes = list(runbook.codes or []) + [code for code in CODES if code not in (runbook.codes or [])]
        runbook.save(update_fields=["codes"])


def remove(apps, schema_editor):
    for runbook in apps.get_model("incidents", "Runbook").objects.filter(slug=SLUG):
        runbook.codes = [code for code in runbook.codes or [] if code not in CODES]
        runbook.save(update_fields=["codes"])


class Migration(migrations.Migration):
    dependencies = [("incidents", "0018_seed_checklists")]

    operations = [migrations.RunPython(add, remove)]
