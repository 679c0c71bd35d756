from django.contrib.auth.management import create_permissions
from django.db import migrations

PLANS = [
    # name, monthly messages, bots, AI per day, AI per month
    ("Free", 100, 1, 20, 300),
    ("Starter", 1000, 3, 200, 3000),
    ("Pro", 10000, 10, 2000, 40000),
    ("Enterprise", 100000, 50, 20000, 400000),
]


def create_plans(apps, schema_editor):
    Plan = apps.get_model("tenants", "Plan")
    for name, messages, bots, ai_day, ai_month in PLANS:
        Plan.objects.get_or_create(
            name=name,
            defaults={
                "monthly_message_limit": messages,
                "bot_limit": bots,
                "ai_daily_limit": ai_day,
                "ai_monthly_limit": ai_month,
            },
        )


def create_staff_groups(apps, schema_editor):
    """Permissions are normally made after migrate; make them now so the groups get them."""
    from apps.tenants.groups import sync_groups

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    sync_groups(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(create_plans, migrations.RunPython.noop),
        migrations.RunPython(create_staff_groups, migrations.RunPython.noop),
    ]
