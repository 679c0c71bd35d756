from datetime import time

from django.db import migrations

WEEKDAYS = [0, 1, 2, 3, 4]
# priority, first response, next response, resolution (minutes of business hours, 09:00–18:00 Mon–Fri)
DEFAULTS = [
    ("urgent", 60, 120, 8 * 60),
    ("high", 4 * 60, 4 * 60, 2 * 9 * 60),
    ("normal", 8 * 60, 8 * 60, 5 * 9 * 60),
    ("low", 2 * 9 * 60, 2 * 9 * 60, 10 * 9 * 60),
]
# Enterprise is answered around the clock for urgent and high tickets.
ENTERPRISE_24X7 = [("urgent", 30, 60, 4 * 60), ("high", 2 * 60, 4 * 60, 24 * 60)]


def seed(apps, schema_editor):
    SlaPolicy = apps.get_model("tickets", "SlaPolicy")
    Plan = apps.get_model("tenants", "Plan")
    for priority, first, following, resolution in DEFAULTS:
        SlaPolicy.objects.get_or_create(
            plan=None,
            priority=priority,
            defaults=dict(
                first_response_minutes=first,
                next_response_minutes=following,
                resolution_minutes=resolution,
                business_hours=True,
                business_weekdays=WEEKDAYS,
                business_start=time(9),
                business_end=time(18),
            ),
        )
    enterprise = Plan.objects.filter(name="Enterprise").first()
    for priority, first, following, resolution in ENTERPRISE_24X7 if enterprise else ():
        SlaPolicy.objects.get_or_create(
            plan=enterprise,
            priority=priority,
            defaults=dict(
                first_response_minutes=first,
                next_response_minutes=following,
                resolution_minutes=resolution,
                business_hours=False,
                business_weekdays=WEEKDAYS,
            ),
        )


def unseed(apps, schema_editor):
    apps.get_model("tickets", "SlaPolicy").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial"), ("tenants", "0002_default_plans_and_staff_groups")]
    operations = [migrations.RunPython(seed, unseed)]
