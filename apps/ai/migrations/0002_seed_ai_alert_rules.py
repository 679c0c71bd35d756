"""The AI alert rules (metrics in apps/ai/metrics.py): one tenant above 80 % of the requests over an
hour, the daily cost budget (the billing alert, AI_DAILY_COST_BUDGET_USD), a cost spike against the
7-day baseline, and the fallback rate over 10 minutes (a provider outage). A rule an operator
already has under the same name is left as it is."""

from django.db import migrations

RULES = [
    dict(
        name="AI: one tenant's share of requests",
        metric="ai_tenant_share",
        comparison="above",
        critical_threshold=80,
        window_minutes=60,
        min_volume=50,
        description="Percent of all AI requests in the last hour made by the busiest tenant (runbook: AI cost "
        "spike — find the tenant on AI usage by tenant, look for abuse, reduce its limits or switch its AI off).",
    ),
    dict(
        name="AI: daily cost budget (billing alert)",
        metric="ai_budget_used",
        comparison="above",
        warning_threshold=80,
        critical_threshold=100,
        window_minutes=60,
        description="AI cost since 00:00 UTC as a percent of AI_DAILY_COST_BUDGET_USD.",
    ),
    dict(
        name="AI: cost spike against the 7-day baseline",
        metric="ai_cost_vs_baseline",
        comparison="above",
        warning_threshold=3,
        critical_threshold=5,
        window_minutes=60,
        min_volume=20,
        description="AI cost in the last hour divided by the average hour of the previous 7 days.",
    ),
    dict(
        name="AI: fallback rate (provider outage)",
        metric="ai_fallback_rate",
        comparison="above",
        critical_threshold=20,
        window_minutes=10,
        min_volume=10,
        description="Percent of AI requests that reached the providers and got the fallback text because every "
        "provider failed (runbook: AI provider outage).",
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
    dependencies = [
        ("ai", "0001_initial"),
        ("events", "0011_readable_field_names"),
    ]
    operations = [migrations.RunPython(seed, unseed)]
