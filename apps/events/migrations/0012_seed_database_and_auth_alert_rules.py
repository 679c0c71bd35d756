"""Alert rules for the hotel runbook's database and authentication signals: slow queries, database
connection errors, a failed-login spike, the synthetic login failing, and Meta tokens about to
expire. A rule an operator already has under the same name is left as it is."""

from django.db import migrations

RULES = [
    dict(
        name="Database: slow queries",
        metric="event_count",
        params={"code": "SLOW_QUERY"},
        comparison="above",
        warning_threshold=5,
        critical_threshold=20,
        window_minutes=10,
        description="SLOW_QUERY events (statements over SLOW_QUERY_MS, 1 s by default) in 10 minutes. Runbook: "
        "Database slow or down — open the events for the statement and its request or job id.",
    ),
    dict(
        name="Database: connection errors",
        metric="event_count",
        params={"code": "DATABASE_UNAVAILABLE"},
        comparison="above",
        critical_threshold=0,
        window_minutes=60,
        priority="P1",
        description="Any DATABASE_UNAVAILABLE event: connection errors counted while the database was down, "
        "reported once it answered again.",
    ),
    dict(
        name="Auth: failed-login spike",
        metric="event_count",
        params={"code": "AUTH_LOGIN_FAILED"},
        comparison="above",
        warning_threshold=20,
        critical_threshold=100,
        window_minutes=10,
        description="Failed logins in 10 minutes (AUTH_LOGIN_FAILED). Runbook: Auth loop / unauthorized — a "
        "guessing attack locks accounts out; a broken login page fails everyone.",
    ),
    dict(
        name="Auth: authentication down (synthetic login)",
        metric="event_count",
        params={"code": "AUTH_PROBE_FAILED"},
        comparison="above",
        critical_threshold=0,
        window_minutes=10,
        priority="P1",
        description="The auth probe's synthetic login failed (AUTH_PROBE_FAILED) in the last 10 minutes.",
    ),
    dict(
        name="WhatsApp: Meta tokens expiring",
        metric="event_count",
        params={"code": "META_TOKEN_EXPIRING"},
        comparison="above",
        warning_threshold=0,
        window_minutes=1440,
        description="Meta access tokens that expire within 7 days (META_TOKEN_EXPIRING) seen in the last day.",
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
    dependencies = [("events", "0011_readable_field_names")]

    operations = [migrations.RunPython(seed, unseed)]
