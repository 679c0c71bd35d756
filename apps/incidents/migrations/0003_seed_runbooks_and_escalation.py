"""Loads one runbook per failure mode of RUNBOOKS.md and the default escalation policies:
acknowledge within 5 minutes; sev1 tells the team lead after 10 minutes and CTO /
infrastructure after 30. Existing rows (edited in the admin) are left as they are."""

from django.db import migrations

from apps.incidents.migrations import _runbooks_messaging, _runbooks_platform

POLICIES = [
    # severity, acknowledge within, escalate unacknowledged, level 2 after, level 3 after, notify on open
    ("sev1", 5, True, 10, 30, True),
    ("sev2", 5, True, 30, 60, True),
    ("sev3", 5, True, 60, None, True),
    ("sev4", 60, False, None, None, False),
]


def seed(apps, schema_editor):
    Runbook = apps.get_model("incidents", "Runbook")
    EscalationPolicy = apps.get_model("incidents", "EscalationPolicy")
    for row in _runbooks_messaging.RUNBOOKS + _runbooks_platform.RUNBOOKS:
        Runbook.objects.get_or_create(slug=row["slug"], defaults={k: v for k, v in row.items() if k != "slug"})
    for severity, ack, unacknowledged, level2, level3, on_open in POLICIES:
        EscalationPolicy.objects.get_or_create(
            severity=severity,
            defaults={
                "acknowledge_within_minutes": ack,
                "escalate_unacknowledged": unacknowledged,
                "level2_after_minutes": level2,
                "level3_after_minutes": level3,
                "notify_on_open": on_open,
            },
        )


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0002_lifecycle_escalation_runbooks"),
    ]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
