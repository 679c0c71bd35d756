"""The application's own PostgreSQL role: it cannot rewrite the audit log (see apps/events/app_role.py).
Runs as the owner; does nothing on SQLite."""

from django.db import migrations

from apps.events import app_role


def set_up(apps, schema_editor):
    app_role.set_up(schema_editor.connection)


def tear_down(apps, schema_editor):
    app_role.tear_down(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("events", "0008_systemevent_inbound_and_run_links")]

    operations = [migrations.RunPython(set_up, tear_down)]
