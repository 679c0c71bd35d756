"""On PostgreSQL the audit table rejects UPDATE and DELETE, even in raw SQL."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION opsdesk_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'events_auditevent is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS events_auditevent_append_only ON events_auditevent;
CREATE TRIGGER events_auditevent_append_only
    BEFORE UPDATE OR DELETE ON events_auditevent
    FOR EACH ROW EXECUTE FUNCTION opsdesk_audit_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS events_auditevent_append_only ON events_auditevent;
DROP FUNCTION IF EXISTS opsdesk_audit_append_only();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("events", "0001_initial")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
