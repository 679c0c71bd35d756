from django.db import migrations

RULES = [
    dict(
        name="Message delivery failure rate",
        metric="message_delivery_failure_rate",
        comparison="above",
        warning_threshold=5,
        critical_threshold=10,
        window_minutes=60,
        description="Percent of outbound messages that failed to deliver.",
    ),
    dict(
        name="Webhook processing failure rate",
        metric="webhook_failure_rate",
        comparison="above",
        critical_threshold=5,
        window_minutes=10,
        description="Percent of inbound webhooks that failed processing.",
    ),
    dict(
        name="Webhook success rate (P1)",
        metric="webhook_success_rate",
        comparison="below",
        critical_threshold=80,
        window_minutes=10,
        priority="P1",
        description="Percent of inbound webhooks processed successfully.",
    ),
    dict(
        name="Dead letters per hour",
        metric="dead_letters_per_hour",
        comparison="above",
        warning_threshold=5,
        critical_threshold=10,
        window_minutes=60,
    ),
    dict(name="SLA breaches", metric="sla_breaches", comparison="above", critical_threshold=0, window_minutes=60),
    dict(
        name="Average first response (minutes)",
        metric="avg_first_response_minutes",
        comparison="above",
        warning_threshold=20,
        window_minutes=60,
    ),
]


def seed(apps, schema_editor):
    AlertRule = apps.get_model("events", "AlertRule")
    for rule in RULES:
        fields = dict(rule)
        AlertRule.objects.get_or_create(name=fields.pop("name"), defaults=fields)


def unseed(apps, schema_editor):
    apps.get_model("events", "AlertRule").objects.filter(name__in=[rule["name"] for rule in RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("events", "0005_alertrule_alertevaluation")]
    operations = [migrations.RunPython(seed, unseed)]
