"""The "database-down" runbook also covers SLOW_QUERY and DATABASE_UNAVAILABLE; "auth-loop" runs the
synthetic login (auth_login) and covers failed logins, lockouts and the probe failing. Edits the
seeded rows only where they still lack them (an operator's own edits stay)."""

from django.db import migrations

ADDITIONS = {
    "database-down": ([], ["SLOW_QUERY", "DATABASE_UNAVAILABLE"]),
    "auth-loop": (["auth_login"], ["AUTH_LOGIN_FAILED", "AUTH_LOCKED_OUT", "AUTH_PROBE_FAILED"]),
}


def add(apps, schema_editor):
    for runbook in apps.get_model("incidents", "Runbook").objects.filter(slug__in=ADDITIONS):
        checks, codes = ADDITIONS[runbook.slug]
        runbook.checks = list(runbook.checks or []) + [name for name in checks if name not in (runbook.checks or [])]
        runbook.codes = list(runbook.codes or []) + [code for code in codes if code not in (runbook.codes or [])]
        runbook.save(update_fields=["checks", "codes"])


def remove(apps, schema_editor):
    for runbook in apps.get_model("incidents", "Runbook").objects.filter(slug__in=ADDITIONS):
        checks, codes = ADDITIONS[runbook.slug]
        runbook.checks = [name for name in runbook.checks or [] if name not in checks]
        runbook.codes = [code for code in runbook.codes or [] if code not in codes]
        runbook.save(update_fields=["checks", "codes"])


class Migration(migrations.Migration):
    dependencies = [("incidents", "0012_signup_pin_runbook_admin")]

    operations = [migrations.RunPython(add, remove)]
