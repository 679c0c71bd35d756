"""Rate rules need a minimum volume in their window: the seeded rate rules get one (a rule an
operator already gave a minimum keeps it)."""

from django.db import migrations, models

MINIMUMS = {
    "message_delivery_failure_rate": 20,
    "webhook_failure_rate": 20,
    "webhook_success_rate": 20,
    "avg_first_response_minutes": 5,
}


def seed(apps, schema_editor):
    AlertRule = apps.get_model("events", "AlertRule")
    for metric, minimum in MINIMUMS.items():
        AlertRule.objects.filter(metric=metric, min_volume=0).update(min_volume=minimum)


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0009_app_role"),
    ]

    operations = [
        migrations.AddField(
            model_name="alertevaluation",
            name="volume",
            field=models.PositiveIntegerField(blank=True, help_text="Outcomes the rate was taken over.", null=True),
        ),
        migrations.AddField(
            model_name="alertrule",
            name="min_volume",
            field=models.PositiveIntegerField(
                default=0,
                help_text="For a rate: fewer outcomes than this in the window (messages, webhooks, answered tickets) is no data, so one failed message out of one does not go critical. 0: no minimum.",
            ),
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
