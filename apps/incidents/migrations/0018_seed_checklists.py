"""The support outage runbook's closing checklists, on the runbooks of a Chatwoot or support outage
("Chatwoot down", "Manual fallback mode", "End-to-end support flow"): "restore automation" gates the
resolve of a sev1/sev2, "post-outage verification" its close. Editable inline on each runbook's admin
page; a runbook that already carries checklist items keeps its own."""

from django.db import migrations

SLUGS = ["chatwoot-down", "manual-fallback", "support-flow"]
RESTORE = [
    ("Chatwoot /rails/health answers 200", "chatwoot_health", {}),
    ("Chatwoot's API accepts the source's token", "chatwoot_api", {}),
    ("A signed test webhook delivery reaches the inbox and is processed", "test_webhook_delivery", {}),
    ("The AI draft path answers (support loop end to end)", "ai_draft_path", {}),
    ("SLA monitoring is on", "sla_monitoring", {}),
    ("Manual mode is off (platform-wide and for the affected tenants)", "manual_mode_off", {}),
    ("The team is notified", "team_notified", {}),
]
POST_OUTAGE = [
    ("Every health check green for 15 minutes or more", "health_green_for", {"minutes": 15}),
    ("No new dead letters since recovery", "no_new_dead_letters", {}),
    ("Webhook retry success rate since recovery above 95 %", "webhook_retry_rate", {"percent": 95}),
    ("The queue backlog is cleared (inbox, outbound, knowledge sync)", "backlog_cleared", {}),
    ("SLA adherence for the affected period reviewed", "sla_reviewed", {}),
]
STAGES = {"restore": RESTORE, "post_outage": POST_OUTAGE}


def seed(apps, schema_editor):
    Item = apps.get_model("incidents", "ChecklistItem")
    for runbook in apps.get_model("incidents", "Runbook").objects.filter(slug__in=SLUGS):
        if Item.objects.filter(runbook=runbook).exists():
            continue
        Item.objects.bulk_create(
            Item(runbook=runbook, stage=stage, position=position, label=label, check_name=check, params=params)
            for stage, items in STAGES.items()
            for position, (label, check, params) in enumerate(items, start=1)
        )


def unseed(apps, schema_editor):
    apps.get_model("incidents", "ChecklistItem").objects.filter(runbook__slug__in=SLUGS).delete()


class Migration(migrations.Migration):
    dependencies = [("incidents", "0017_checklists")]

    operations = [migrations.RunPython(seed, unseed)]
