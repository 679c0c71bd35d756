import re
from datetime import timedelta

import pytest
from django.contrib.admin import helpers
from django.utils import timezone

from apps.events import metrics
from apps.events.models import SystemEvent
from apps.incidents.models import DetectionMethod, Incident
from tests.factories import StaffFactory, SystemEventFactory, TenantFactory, UserFactory

CHANGELIST = "/admin/events/systemevent/"
GROUPED = "/admin/events/systemevent/grouped/"
DASHBOARD = "/admin/events/systemevent/dashboard/"


@pytest.fixture
def admin_client(client, staff):
    client.force_login(staff)
    return client


def ago(**delta):
    return timezone.now() - timedelta(**delta)


def listed_ids(response):
    return {event.pk for event in response.context["cl"].result_list}


def test_changelist_filters_by_tenant_code_and_time_range(admin_client, tenant, other_tenant):
    wanted = SystemEventFactory(tenant=tenant, code="META_SEND_FAIL", occurred_at=ago(minutes=20))
    SystemEventFactory(tenant=tenant, code="META_SEND_FAIL", occurred_at=ago(hours=3))
    SystemEventFactory(tenant=tenant, code="N8N_TIMEOUT", occurred_at=ago(minutes=5))
    SystemEventFactory(tenant=other_tenant, code="META_SEND_FAIL", occurred_at=ago(minutes=5))

    response = admin_client.get(CHANGELIST, {"tenant__id__exact": tenant.pk, "code": "META_SEND_FAIL", "range": "1h"})

    assert response.status_code == 200
    assert listed_ids(response) == {wanted.pk}


def test_changelist_accepts_an_open_ended_custom_range(admin_client, tenant):
    recent = SystemEventFactory(tenant=tenant, occurred_at=ago(hours=1))
    SystemEventFactory(tenant=tenant, occurred_at=ago(days=3))

    response = admin_client.get(CHANGELIST, {"occurred_at__gte": ago(days=1).strftime("%Y-%m-%d %H:%M")})

    assert listed_ids(response) == {recent.pk}


def test_changelist_accepts_a_custom_time_range(admin_client, tenant):
    inside = SystemEventFactory(tenant=tenant, occurred_at=ago(days=3))
    SystemEventFactory(tenant=tenant, occurred_at=ago(days=6))
    SystemEventFactory(tenant=tenant, occurred_at=ago(hours=1))
    params = {
        "occurred_at__gte": ago(days=4).strftime("%Y-%m-%dT%H:%M"),
        "occurred_at__lte": ago(days=2).strftime("%Y-%m-%dT%H:%M"),
    }

    response = admin_client.get(CHANGELIST, params)

    assert listed_ids(response) == {inside.pk}
    assert 'name="occurred_at__gte"' in response.content.decode()


def test_changelist_filters_by_category_and_level(admin_client, tenant):
    token = SystemEventFactory(tenant=tenant, code="META_TOKEN_EXPIRED")
    SystemEventFactory(tenant=tenant, code="META_SEND_FAIL")
    SystemEventFactory(tenant=tenant, code="N8N_TIMEOUT")

    by_level = admin_client.get(CHANGELIST, {"level": "critical"})
    by_category = admin_client.get(CHANGELIST, {"category": "whatsapp_outbound"})

    assert listed_ids(by_level) == {token.pk}
    assert len(listed_ids(by_category)) == 2


def test_search_by_correlation_id_finds_exactly_that_request(admin_client, tenant):
    wanted = SystemEventFactory(tenant=tenant, correlation_id="req-7f3a9c21-0001")
    SystemEventFactory(tenant=tenant, correlation_id="req-7f3a9c21-0002")

    response = admin_client.get(CHANGELIST, {"q": "req-7f3a9c21-0001"})

    assert listed_ids(response) == {wanted.pk}


def test_search_by_message_words(admin_client, tenant):
    wanted = SystemEventFactory(tenant=tenant, message="Template rejected by Meta")
    SystemEventFactory(tenant=tenant, message="Something else")

    response = admin_client.get(CHANGELIST, {"q": "rejected"})

    assert listed_ids(response) == {wanted.pk}


def test_event_page_shows_runbook_operator_title_and_formatted_meta(admin_client, tenant):
    event = SystemEventFactory(
        tenant=tenant,
        code="META_TOKEN_EXPIRED",
        meta={"provider_code": 190, "phone_number_id": "1234"},
        correlation_id="req-42abc-x1",
    )

    page = admin_client.get(f"{CHANGELIST}{event.pk}/change/").content.decode()

    assert "WhatsApp outbound fails" in page
    assert "whatsapp-outbound" in page
    assert "Meta access token expired or invalid (code 190)" in page
    assert "Generate a new permanent token" in page
    assert re.search(r"<pre[^>]*>\{\s*\n\s+&quot;correlation_id&quot;: &quot;req-42abc-x1&quot;", page)
    assert f"/admin/tenants/tenant/{tenant.pk}/change/" in page


def test_open_incident_action_confirms_then_links_selected_events_and_tenants(admin_client, tenant, other_tenant):
    chosen = [
        SystemEventFactory(tenant=tenant, code="META_SEND_FAIL"),
        SystemEventFactory(tenant=other_tenant, code="META_TOKEN_EXPIRED"),
    ]
    left_out = SystemEventFactory(tenant=tenant)
    selection = {"action": "open_incident_from_selected", helpers.ACTION_CHECKBOX_NAME: [event.pk for event in chosen]}

    confirm_page = admin_client.post(CHANGELIST, selection)
    assert confirm_page.status_code == 200
    assert Incident.objects.count() == 0
    assert "Open incident from selected events" in confirm_page.content.decode()

    response = admin_client.post(
        CHANGELIST, {**selection, "confirm": "yes", "title": "Meta sends failing"}, follow=True
    )

    incident = Incident.objects.get()
    assert incident.title == "Meta sends failing"
    assert incident.detection_method == DetectionMethod.MANUAL
    assert incident.severity == "sev1"
    assert set(incident.events.values_list("pk", flat=True)) == {event.pk for event in chosen}
    assert set(incident.affected_tenants.all()) == {tenant, other_tenant}
    assert SystemEvent.objects.get(pk=left_out.pk).incident is None
    assert f"/admin/incidents/incident/{incident.pk}/change/" in response.content.decode()


def test_incident_page_lists_its_linked_events(admin_client, tenant):
    event = SystemEventFactory(tenant=tenant, message="Send failed for order 12")
    admin_client.post(
        CHANGELIST,
        {"action": "open_incident_from_selected", "confirm": "yes", helpers.ACTION_CHECKBOX_NAME: [event.pk]},
    )
    incident = Incident.objects.get()

    page = admin_client.get(f"/admin/incidents/incident/{incident.pk}/change/").content.decode()

    assert f"/admin/events/systemevent/{event.pk}/change/" in page
    assert "Send failed for order 12" in page
    assert "Alpha Rooms" in page


def test_grouped_view_counts_each_code_and_tenant(admin_client, tenant, other_tenant):
    for minutes in (5, 30):
        SystemEventFactory(tenant=tenant, code="META_SEND_FAIL", occurred_at=ago(minutes=minutes))
    SystemEventFactory(tenant=tenant, code="META_SEND_FAIL", occurred_at=ago(hours=5))
    SystemEventFactory(tenant=tenant, code="META_SEND_FAIL", occurred_at=ago(hours=30))
    SystemEventFactory(tenant=other_tenant, code="META_SEND_FAIL", occurred_at=ago(hours=2))
    SystemEventFactory(tenant=tenant, code="N8N_TIMEOUT", occurred_at=ago(minutes=1))

    response = admin_client.get(GROUPED)

    groups = {(group["code"], group["tenant_id"]): group for group in response.context["groups"]}
    assert set(groups) == {
        ("META_SEND_FAIL", tenant.pk),
        ("META_SEND_FAIL", other_tenant.pk),
        ("N8N_TIMEOUT", tenant.pk),
    }
    assert (groups["META_SEND_FAIL", tenant.pk]["last_hour"], groups["META_SEND_FAIL", tenant.pk]["last_day"]) == (2, 3)
    assert (
        groups["META_SEND_FAIL", other_tenant.pk]["last_hour"],
        groups["META_SEND_FAIL", other_tenant.pk]["last_day"],
    ) == (0, 1)
    assert groups["N8N_TIMEOUT", tenant.pk]["growth"] == 24.0
    assert response.context["groups"][0]["code"] == "N8N_TIMEOUT"
    assert response.content.decode().count('<svg xmlns="http://www.w3.org/2000/svg" role="img"') == 3


def test_grouped_view_sorts_by_day_count_on_request(admin_client, tenant, other_tenant):
    SystemEventFactory(tenant=tenant, code="N8N_TIMEOUT", occurred_at=ago(minutes=1))
    for hours in (2, 3, 4):
        SystemEventFactory(tenant=other_tenant, code="META_SEND_FAIL", occurred_at=ago(hours=hours))

    groups = admin_client.get(GROUPED, {"o": "day"}).context["groups"]

    assert [(group["code"], group["last_day"]) for group in groups] == [("META_SEND_FAIL", 3), ("N8N_TIMEOUT", 1)]


def test_dashboard_draws_charts_with_todays_numbers(admin_client, tenant, other_tenant, monkeypatch):
    for _ in range(6):
        SystemEventFactory(tenant=tenant, code="META_SEND_FAIL")
    SystemEventFactory(tenant=other_tenant, code="N8N_TIMEOUT")
    Incident.objects.create(title="Open one")
    Incident.objects.create(title="Done", status="resolved")
    monkeypatch.delitem(metrics.REGISTRY, "dead_letters_per_hour", raising=False)
    monkeypatch.setitem(
        metrics.REGISTRY,
        "sla_breaches",
        metrics.Metric("sla_breaches", "SLA breaches", "", lambda window, now, params: 4.0),
    )

    response = admin_client.get(DASHBOARD)
    page = response.content.decode()

    assert response.status_code == 200
    assert response.context["today_total"] == 7
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg" role="img"') == 4
    assert "<title>META_SEND_FAIL: 6</title>" in page
    assert "<title>Alpha Rooms: 6</title>" in page
    assert "<title>Beta Bots: 1</title>" in page
    assert "<title>Events per hour, last 24 hours</title>" in page
    tiles = {tile["label"]: tile["value"] for tile in response.context["tiles"]}
    assert tiles == {"Open incidents": 1, "Dead letters, last hour": None, "SLA breaches, last 24 h": 4.0}
    assert "not reported yet" in page
    assert [spike["code"] for spike in response.context["spikes"]] == ["META_SEND_FAIL"]


def test_admin_index_links_to_the_dashboard(admin_client):
    assert DASHBOARD in admin_client.get("/admin/").content.decode()


@pytest.mark.parametrize("url", [CHANGELIST, GROUPED, DASHBOARD])
def test_non_staff_users_are_sent_to_the_login_page(client, db, url):
    client.force_login(UserFactory())

    response = client.get(url)

    assert response.status_code == 302
    assert "/login/" in response["Location"]


@pytest.mark.parametrize("url", [GROUPED, DASHBOARD])
def test_staff_without_the_events_permission_is_refused(client, db, url):
    client.force_login(StaffFactory())

    assert client.get(url).status_code == 403


def test_spiking_codes_compare_the_window_with_its_seven_day_average(db):
    from apps.events import queries

    tenant = TenantFactory()
    now = timezone.now()
    for _ in range(5):
        SystemEventFactory(tenant=tenant, code="META_SEND_FAIL", occurred_at=now - timedelta(minutes=3))
        SystemEventFactory(tenant=tenant, code="N8N_TIMEOUT", occurred_at=now - timedelta(minutes=3))
    SystemEvent.objects.bulk_create(
        [
            SystemEventFactory.build(
                tenant=tenant, code="N8N_TIMEOUT", occurred_at=now - timedelta(minutes=11 + 5 * step)
            )
            for step in range(7 * 24 * 12)
        ]
    )  # two per 10-minute window for a week: five now is not three times that

    spikes = queries.spiking_codes(now)

    assert [spike["code"] for spike in spikes] == ["META_SEND_FAIL"]
