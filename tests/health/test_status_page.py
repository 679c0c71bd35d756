"""The public status page: no login, components from the monitors with tenant connections grouped
by provider, open incidents' public updates, upcoming maintenance — and no tenant names or internals."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.health import services, status
from apps.incidents import services as incidents
from tests.health.factories import connection_to, monitor_for, one_off_window, platform_monitor, weekly_window

pytestmark = pytest.mark.django_db


def page(client):
    response = client.get("/status/")
    assert response.status_code == 200
    return response.content.decode()


def test_anyone_can_read_it_without_logging_in(client):
    body = page(client)

    assert "Service status" in body and "<script" not in body


def test_components_show_their_state_and_tenant_connections_are_grouped_by_provider(
    client, tenant, other_tenant, chatwoot, settings
):
    from tests.fakes.chatwoot import FakeChatwoot

    with FakeChatwoot() as broken:
        broken.down()
        healthy = monitor_for(connection_to(chatwoot, tenant, "chatwoot", name="Alpha front desk"))
        failing = monitor_for(connection_to(broken, other_tenant, "chatwoot", name="Beta secret desk"))
        for _ in range(2):
            services.run_monitor(healthy)
            services.run_monitor(failing)
        services.run_monitor(platform_monitor("database"))

    rows = {component.name: (component.status, component.summary) for component in status.components()}
    assert rows["Chatwoot connections"] == ("operational", "")
    assert rows["Database"] == ("operational", "")
    body = page(client)
    assert "Chatwoot connections" in body and "Outage" not in body and "Degraded" not in body
    for secret in ("Alpha", "alpha", "Beta", "beta", "front desk", "secret desk", "HTTP 500", chatwoot.url, "1 of 2"):
        assert secret not in body


def test_one_tenants_own_connection_down_is_never_a_platform_outage(client, tenant, chatwoot):
    chatwoot.down()
    monitor = monitor_for(connection_to(chatwoot, tenant, "chatwoot"))
    services.run_monitors()
    services.run_monitors()

    assert monitor.__class__.objects.get(pk=monitor.pk).state == "down"
    assert {c.name: c.status for c in status.components()}["Chatwoot connections"] == "operational"
    assert status.page()["overall"] == "operational"
    assert "Outage" not in page(client)


def test_a_provider_failing_for_several_tenants_at_once_is_degraded_not_an_outage(tenant, other_tenant, chatwoot):
    chatwoot.down()
    for owner in (tenant, other_tenant):
        monitor = monitor_for(connection_to(chatwoot, owner, "chatwoot"))
        services.run_monitor(monitor)
        services.run_monitor(monitor)

    component = {c.name: c for c in status.components()}["Chatwoot connections"]
    assert (component.status, component.summary) == ("degraded", "0 of 2 operational")


def test_a_failing_component_inside_its_window_reads_under_maintenance(client, tenant, chatwoot):
    chatwoot.down()
    monitor = monitor_for(connection_to(chatwoot, tenant, "chatwoot"))
    now = timezone.now()
    one_off_window(
        now - timedelta(minutes=5),
        now + timedelta(hours=1),
        monitor=monitor,
        title="Chatwoot upgrade",
        public_note="Support chat may be slow.",
    )
    services.run_monitor(monitor)

    assert {c.name: c.status for c in status.components()}["Chatwoot connections"] == "maintenance"
    body = page(client)
    assert "Under maintenance" in body and "Chatwoot upgrade" in body and "(in progress)" in body
    assert "Support chat may be slow." in body


def test_the_platform_support_chatwoot_shows_as_the_support_desk(chatwoot):
    from tests.factories import TenantFactory

    monitor_for(connection_to(chatwoot, TenantFactory(slug="opsdesk-support", name="Opsdesk Support"), "chatwoot"))

    assert "Support desk (Chatwoot)" in [c.name for c in status.components()]


def test_open_incidents_show_their_public_update_but_never_their_title(client, staff, tenant):
    incidents.create_incident(actor=staff, title="Database failover stuck", severity="sev1")
    quiet = incidents.create_incident(actor=staff, title="Beta only", severity="sev3")

    body = page(client)

    assert "Major outage" in body and "We are investigating." in body
    assert "failover" not in body and "Beta only" not in body
    type(quiet).objects.filter(pk=quiet.pk).update(public_update="Sending is slower for some accounts.")
    assert "Sending is slower for some accounts." in page(client)


def test_one_tenants_incident_is_not_a_public_outage_whatever_its_severity(client, staff, tenant):
    incidents.create_incident(actor=staff, title="Alpha Rooms token leaked in logs", severity="sev1", tenants=[tenant])

    body = page(client)

    assert "No open incidents." in body and "Major outage" not in body and "Alpha Rooms" not in body


def test_resolved_incidents_leave_the_page(client, staff):
    incident = incidents.create_incident(actor=staff, title="Outage", severity="sev1")
    incidents.change_status(incident, "resolved", actor=staff)

    assert "No open incidents." in page(client)


def test_upcoming_maintenance_is_listed_with_its_scope_and_far_away_windows_are_not(client):
    now = timezone.now()
    one_off_window(now + timedelta(days=2), now + timedelta(days=2, hours=2), title="Database upgrade")
    one_off_window(now + timedelta(days=40), now + timedelta(days=40, hours=1), title="Datacenter move")
    weekly_window(6, (2, 0), (4, 0), title="Weekly maintenance")

    body = page(client)

    assert "Database upgrade" in body and "All services" in body
    assert "Weekly maintenance" in body and "(weekly)" in body
    assert "Datacenter move" not in body


def test_with_nothing_monitored_the_page_says_so(client):
    assert "No components are monitored yet." in page(client)
