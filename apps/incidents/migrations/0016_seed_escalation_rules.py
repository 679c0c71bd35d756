"""The support runbook's contacts table as escalation rules (editable in the admin)."""

from django.db import migrations

RULES = [
    ("Support lead: sev2 and above unresolved after 10 minutes", "support_lead", "sev2", "open", 10),
    ("Engineering manager: sev1 at once", "engineering_manager", "sev1", "open", 0),
    ("CEO: sev1 unresolved after 15 minutes", "ceo", "sev1", "open", 15),
    ("Infrastructure: a self-hosted component is down", "infrastructure", "sev4", "component_down", 0),
]


def seed(apps, schema_editor):
    EscalationRule = apps.get_model("incidents", "EscalationRule")
    for name, role, floor, trigger, minutes in RULES:
        EscalationRule.objects.get_or_create(
            name=name, defaults={"role": role, "min_severity": floor, "trigger": trigger, "after_minutes": minutes}
        )


def unseed(apps, schema_editor):
    apps.get_model("incidents", "EscalationRule").objects.filter(name__in=[rule[0] for rule in RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("incidents", "0015_escalation_roles")]

    operations = [migrations.RunPython(seed, unseed)]
