"""The health admin: monitors with their latest result and history, results, windows, suppressed
alerts, and "Run now" with a confirmation page."""

import pytest
from django.urls import reverse

from apps.events.models import AuditEvent
from apps.health import services
from apps.health.models import HealthMonitor, MaintenanceWindow, MonitorResult
from tests.health.factories import at, monitor_for, one_off_window

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def monitor(chatwoot_connection):
    monitor = monitor_for(chatwoot_connection)
    services.run_monitor(monitor, now=at(0))
    return monitor


def test_the_changelists_render(admin_client, monitor):
    one_off_window(at(0), at(60))
    for model in ("healthmonitor", "monitorresult", "maintenancewindow", "suppressedalert"):
        response = admin_client.get(reverse(f"admin:health_{model}_changelist"))
        assert response.status_code == 200, model
    assert (
        "Chatwoot /rails/health answered HTTP 200"
        in admin_client.get(reverse("admin:health_healthmonitor_changelist")).content.decode()
    )


def test_the_monitor_page_shows_its_history_and_links_to_all_results(admin_client, monitor):
    body = admin_client.get(reverse("admin:health_healthmonitor_change", args=[monitor.pk])).content.decode()

    assert "History (latest 25)" in body and "2026-11-23 09:00:00" in body
    assert f"?monitor__id__exact={monitor.pk}" in body


def test_run_now_asks_for_confirmation_then_runs_the_selected_monitors(admin_client, monitor, chatwoot):
    chatwoot.down()
    url = reverse("admin:health_healthmonitor_changelist")
    data = {"action": "run_now", "_selected_action": [monitor.pk]}

    confirm = admin_client.post(url, data)
    assert confirm.status_code == 200 and "Run now" in confirm.content.decode()
    assert MonitorResult.objects.filter(monitor=monitor).count() == 1

    done = admin_client.post(url, {**data, "confirm": "yes"}, follow=True)

    assert MonitorResult.objects.filter(monitor=monitor).count() == 2
    assert "fail — Chatwoot /rails/health answered HTTP 500" in done.content.decode()


def test_disabling_a_monitor_in_the_admin_is_audited(admin_client, monitor):
    url = reverse("admin:health_healthmonitor_change", args=[monitor.pk])

    admin_client.post(url, {"name": monitor.name, "is_platform": "", "enabled": ""})

    assert not HealthMonitor.objects.get(pk=monitor.pk).enabled
    assert AuditEvent.objects.get(action="health_monitor.changed").after == {"enabled": False}


def test_a_weekly_window_is_added_in_the_admin_and_an_incomplete_one_is_refused(admin_client):
    url = reverse("admin:health_maintenancewindow_add")
    base = {
        "title": "Sunday maintenance",
        "recurrence": "weekly",
        "weekday": "6",
        "start_time": "02:00",
        "end_time": "04:00",
        "enabled": "on",
    }

    refused = admin_client.post(url, {**base, "weekday": ""})
    assert refused.status_code == 200 and "needs a weekday" in refused.content.decode()
    assert not MaintenanceWindow.objects.exists()

    admin_client.post(url, base)
    window = MaintenanceWindow.objects.get()
    assert window.schedule_label == "every Sunday 02:00–04:00 UTC" and window.is_platform_wide
    assert AuditEvent.objects.filter(action="maintenance.created").exists()
