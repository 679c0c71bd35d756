"""Health monitors: created by the sync, run against local servers, turned into incidents after
consecutive failures, joined while flapping, and recovered with a timeline entry."""

from datetime import timedelta

import pytest
from django.core import mail

from apps.events.models import SystemEvent
from apps.health import services
from apps.health.models import HealthMonitor, MonitorResult
from apps.incidents.models import Incident, Level, Notification, OnCallEntry, TimelineEntry
from tests.fakes.chatwoot import DOWN, UP
from tests.fakes.slack import FakeSlack
from tests.health.factories import T0, at, connection_to, monitor_for, platform_monitor

pytestmark = pytest.mark.django_db


def run(monitor, minutes):
    return services.run_monitor(monitor, now=at(minutes))


def health_incidents(monitor):
    return Incident.objects.filter(dedup_key=monitor.dedup_key)


# --- the sync ------------------------------------------------------------------------------------


def test_sync_creates_platform_monitors_and_one_per_active_connection(tenant, chatwoot, waha, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/6"
    active = connection_to(chatwoot, tenant, "chatwoot")
    connection_to(waha, tenant, "waha", is_active=False)
    connection_to(chatwoot, tenant, "telegram")

    assert services.sync_monitors() == {"created": len(services.PLATFORM) + 1}
    assert services.sync_monitors() == {"created": 0}

    rows = {m.key: (m.kind, m.check_name, m.is_platform) for m in HealthMonitor.objects.all()}
    platform = {key: (kind, check, True) for key, _name, kind, check in services.PLATFORM}
    assert rows == {**platform, f"connection:{active.pk}": ("connection", "connection_chatwoot", False)}
    assert {"database", "redis", "workers", "ai_provider", "auth"} <= set(platform)


def test_no_redis_monitor_on_the_embedded_broker(settings):
    settings.CELERY_BROKER_URL = "filesystem://"

    services.sync_monitors()

    assert not HealthMonitor.objects.filter(key="redis").exists()


def test_the_platform_tenants_connection_is_a_platform_component(chatwoot):
    from tests.factories import TenantFactory

    support = TenantFactory(slug="opsdesk-support")

    assert monitor_for(connection_to(chatwoot, support, "chatwoot")).is_platform


def test_each_run_keeps_a_result_with_latency(chatwoot_connection):
    monitor = monitor_for(chatwoot_connection)

    outcome = run(monitor, 0)

    result = MonitorResult.objects.get(monitor=monitor)
    assert (result.status, result.ok, result.at) == ("pass", True, T0)
    assert result.latency_ms is not None and result.detail == "Chatwoot /rails/health answered HTTP 200"
    assert outcome.monitor.state == "healthy" and outcome.monitor.last_ok_at == T0


def test_a_disabled_monitor_or_inactive_connection_is_not_run(chatwoot_connection, chatwoot):
    monitor = monitor_for(chatwoot_connection)
    services.update_monitor(monitor, enabled=False)
    assert monitor not in services.due_monitors()

    services.update_monitor(monitor, enabled=True)
    chatwoot_connection.is_active = False
    chatwoot_connection.save()
    assert monitor not in services.due_monitors()


# --- failures become incidents --------------------------------------------------------------------


@pytest.fixture
def on_call(db):
    """Level 1 by email and a Slack webhook played by a local server."""
    with FakeSlack() as slack:
        entry = OnCallEntry(
            level=Level.ON_CALL, name="On-call Olga", email="olga@ops.test", starts_at=T0 - timedelta(days=1)
        )
        entry.set_slack_webhook_url(slack.webhook_url)
        entry.save()
        yield slack


def test_acceptance_chatwoot_failing_twice_opens_one_incident_and_a_third_failure_joins_it(
    chatwoot_connection, chatwoot, tenant, on_call, django_capture_on_commit_callbacks
):
    monitor = monitor_for(chatwoot_connection)
    chatwoot.down()

    first = run(monitor, 0)
    assert first.monitor.state == "failing" and first.incident is None
    assert not health_incidents(monitor).exists()

    with django_capture_on_commit_callbacks(execute=True):
        second = run(monitor, 5)
    incident = health_incidents(monitor).get()
    assert second.incident == incident and second.monitor.state == "down"
    assert (incident.severity, incident.detection_method, incident.codes) == (
        "sev3",
        "health_monitor",
        ["HEALTH_CHECK_FAILED"],
    )
    assert list(incident.affected_tenants.all()) == [tenant]

    third = run(monitor, 10)
    assert third.incident == incident and health_incidents(monitor).count() == 1
    assert third.monitor.consecutive_failures == 3

    failed = SystemEvent.objects.filter(code="HEALTH_CHECK_FAILED", incident=incident)
    assert failed.count() == 2 and {event.tenant_id for event in failed} == {tenant.pk}
    assert "HTTP 500" in failed.first().message
    sent = Notification.objects.filter(incident=incident, level=1)
    assert {row.channel for row in sent} == {"email", "slack"}
    assert [m.to for m in mail.outbox] == [["olga@ops.test"]]
    assert len(on_call.messages) == 1


def test_a_platform_component_opens_a_sev1_without_a_tenant(settings):
    monitor = platform_monitor("database")
    settings.HEALTH_DB_LATENCY_MS = 0.0

    run(monitor, 0)
    outcome = run(monitor, 5)

    assert outcome.incident.severity == "sev1"
    assert not outcome.incident.affected_tenants.exists()
    assert SystemEvent.objects.get(code="HEALTH_CHECK_FAILED").tenant_id is None


def test_the_platform_support_chatwoot_is_sev1(chatwoot):
    from tests.factories import TenantFactory

    monitor = monitor_for(connection_to(chatwoot, TenantFactory(slug="opsdesk-support"), "chatwoot"))
    chatwoot.down()

    run(monitor, 0)

    assert run(monitor, 5).incident.severity == "sev1"


def test_the_threshold_is_configurable(chatwoot_connection, chatwoot, settings):
    settings.HEALTH_FAILURE_THRESHOLD = 3
    monitor = monitor_for(chatwoot_connection)
    chatwoot.down()

    outcomes = [run(monitor, minutes) for minutes in (0, 5, 10)]

    assert [o.incident is not None for o in outcomes] == [False, False, True]


def test_one_failure_between_passes_opens_nothing(chatwoot_connection, chatwoot):
    monitor = monitor_for(chatwoot_connection)
    chatwoot.health_script(UP, DOWN, UP, DOWN, UP)

    states = [run(monitor, minutes).monitor.state for minutes in range(0, 25, 5)]

    assert states == ["healthy", "failing", "healthy", "failing", "healthy"]
    assert not health_incidents(monitor).exists()


def test_a_flapping_monitor_opens_one_incident_and_says_it_is_failing_again(chatwoot_connection, chatwoot):
    monitor = monitor_for(chatwoot_connection)
    chatwoot.health_script(DOWN, DOWN, UP, DOWN, DOWN, UP, DOWN, DOWN)

    outcomes = [run(monitor, minutes) for minutes in range(0, 40, 5)]

    incident = health_incidents(monitor).get()
    assert [o.recovered for o in outcomes].count(True) == 2
    assert incident.timeline.filter(kind="recovery").count() == 2
    assert incident.timeline.filter(kind="system", data__flapping=True).count() == 2


# --- recovery ---------------------------------------------------------------------------------------


def test_recovery_emits_an_event_and_a_timeline_entry_suggesting_resolving(chatwoot_connection, chatwoot, tenant):
    monitor = monitor_for(chatwoot_connection)
    chatwoot.health_script(DOWN, DOWN, UP)

    run(monitor, 0)
    incident = run(monitor, 5).incident
    outcome = run(monitor, 10)

    assert outcome.recovered and outcome.monitor.state == "healthy"
    entry = incident.timeline.get(kind=TimelineEntry.Kind.RECOVERY)
    assert entry.at == at(10)
    assert "recovered" in entry.text and "consider resolving it" in entry.text
    assert entry.data["suggest_resolve"] is True and entry.data["still_failing"] == []
    recovered = SystemEvent.objects.get(code="HEALTH_CHECK_RECOVERED")
    assert (recovered.incident, recovered.tenant) == (incident, tenant)


def test_recovery_names_the_components_of_the_incident_still_failing(chatwoot_connection, chatwoot, settings):
    monitor = monitor_for(chatwoot_connection)
    chatwoot.health_script(DOWN, DOWN, UP)
    run(monitor, 0)
    incident = run(monitor, 5).incident
    database = platform_monitor("database")
    HealthMonitor.objects.filter(pk=database.pk).update(incident=incident, state="down")  # a second component

    run(monitor, 10)

    entry = incident.timeline.get(kind="recovery")
    assert "Still failing: PostgreSQL database" in entry.text and "consider resolving" not in entry.text
    assert entry.data["suggest_resolve"] is False


def test_a_failure_after_the_incident_was_resolved_opens_a_new_one(chatwoot_connection, chatwoot, staff):
    from apps.incidents import services as incidents

    monitor = monitor_for(chatwoot_connection)
    chatwoot.down()
    run(monitor, 0)
    first = run(monitor, 5).incident
    incidents.change_status(first, "resolved", actor=staff, now=at(6))

    second = run(monitor, 10).incident

    assert second != first and health_incidents(monitor).count() == 2


def test_a_pass_below_the_threshold_is_no_recovery(chatwoot_connection, chatwoot):
    monitor = monitor_for(chatwoot_connection)
    chatwoot.health_script(DOWN, UP)
    run(monitor, 0)

    assert not run(monitor, 5).recovered
    assert not SystemEvent.objects.filter(code="HEALTH_CHECK_RECOVERED").exists()


# --- the beat job ---------------------------------------------------------------------------------------


def test_the_beat_job_runs_every_monitor_on_its_interval_and_records_counts(chatwoot_connection, chatwoot, settings):
    from apps.jobs import registry
    from apps.jobs.services import run_job

    settings.CELERY_BROKER_URL = "filesystem://"
    chatwoot.down()

    assert registry.get("health.run_monitors").every == timedelta(seconds=settings.HEALTH_MONITOR_INTERVAL_SECONDS)
    run_job("health.run_monitors")
    job = run_job("health.run_monitors")

    assert job.status == "succeeded"
    assert job.counts["failing"] == 1 and job.counts["incidents"] == 1
    assert job.counts["monitors"] == HealthMonitor.objects.filter(enabled=True).count()


def test_old_results_are_purged(chatwoot_connection, settings):
    from django.utils import timezone

    settings.HEALTH_RESULT_RETENTION_DAYS = 30
    monitor = monitor_for(chatwoot_connection)
    services.run_monitor(monitor, now=timezone.now() - timedelta(days=31))
    services.run_monitor(monitor)

    assert services.purge_results() == 1
    assert MonitorResult.objects.count() == 1
