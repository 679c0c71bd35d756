"""The runbooks about sends failing or blocked run the outbound_sending check too."""

from django.db import migrations

SLUGS = ("whatsapp-outbound", "outbound-blocked", "whatsapp-ban")
CHECK = "outbound_sending"


def add_check(apps, schema_editor):
    Runbook = apps.get_model("incidents", "Runbook")
    for book in Runbook.objects.filter(slug__in=SLUGS):
        if CHECK not in book.checks:
            book.checks = [*book.checks, CHECK]
            book.save(update_fields=["checks"])


def remove_check(apps, schema_editor):
    Runbook = apps.get_model("incidents", "Runbook")
    for book in Runbook.objects.filter(slug__in=SLUGS):
        book.checks = [name for name in book.checks if name != CHECK]
        book.save(update_fields=["checks"])


class Migration(migrations.Migration):
    dependencies = [
        ("outbound", "0001_initial"),
        ("incidents", "0003_seed_runbooks_and_escalation"),
    ]

    operations = [migrations.RunPython(add_check, remove_check)]
