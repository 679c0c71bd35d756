"""Heartbeat checks: a ping is one cheap UPDATE by an unguessable key; a missed ping and a failed
run are each reported once (HEARTBEAT_MISSED / HEARTBEAT_FAILED) and open or join the tenant's
heartbeat incident; the tenant manages its checks in the portal, staff see them in the admin."""

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.events.models import AuditEvent, SystemEvent
from apps.health import heartbeats
from apps.health.models import HeartbeatCheck
from apps.incidents.models import Incident
from tests.health.factories import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def nightly(tenant):
    return HeartbeatCheck.objects.create(
        tenant=tenant, name="Nightly export", period=timedelta(hours=1), grace=timedelta(minutes=10), created_at=at(0)
    )


def test_a_ping_is_one_update_and_marks_the_check_up(client, nightly):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/ping/{nightly.ping_key}")

    assert response.status_code == 200 and response.content == b"OK"
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["UPDATE"]
    nightly.refresh_from_db()
    assert nightly.status == "up" and nightly.last_ping_at is not None


def test_start_and_fail_pings_accept_get_and_post(client, nightly):
    assert client.post(f"/ping/{nightly.ping_key}/start").status_code == 200
    nightly.refresh_from_db()
    assert nightly.status == "started" and nightly.last_start_at and nightly.last_ping_at is None

    assert client.post(f"/ping/{nightly.ping_key}/fail", data=b"exit 1", content_type="text/plain").status_code == 200
    nightly.refresh_from_db()
    assert nightly.status == "failed"


def test_an_unknown_or_malformed_key_is_a_404(client, nightly):
    assert client.get(f"/ping/{uuid.uuid4()}").status_code == 404
    assert client.get("/ping/not-a-uuid").status_code == 404


def test_a_missed_ping_is_reported_once_and_opens_the_tenants_incident(nightly, tenant):
    heartbeats.ping(nightly.ping_key, now=at(0))

    assert heartbeats.check_all(now=at(69)) == {"missed": 0, "failed": 0}
    assert heartbeats.check_all(now=at(71)) == {"missed": 1, "failed": 0}
    assert heartbeats.check_all(now=at(90)) == {"missed": 0, "failed": 0}

    nightly.refresh_from_db()
    assert nightly.status == "down"
    event = SystemEvent.objects.get(code="HEARTBEAT_MISSED")
    assert event.tenant == tenant and "'Nightly export' missed its ping" in event.message
    incident = Incident.objects.get(dedup_key=f"heartbeat:{tenant.pk}")
    assert incident.runbook.slug == "n8n-down"

    heartbeats.ping(nightly.ping_key, now=at(95))
    nightly.refresh_from_db()
    assert nightly.status == "up" and nightly.alerted_at is None


def test_a_failed_run_is_reported_once_and_joins_the_same_incident(nightly, tenant):
    weekly = HeartbeatCheck.objects.create(tenant=tenant, name="Weekly report", period=timedelta(days=7))
    heartbeats.ping(nightly.ping_key, now=at(0))
    heartbeats.check_all(now=at(71))

    heartbeats.ping(weekly.ping_key, "fail", now=at(72))

    assert heartbeats.check_all(now=at(73)) == {"missed": 0, "failed": 1}
    assert heartbeats.check_all(now=at(74)) == {"missed": 0, "failed": 0}
    assert SystemEvent.objects.filter(code="HEARTBEAT_FAILED", tenant=tenant).count() == 1
    incident = Incident.objects.get(dedup_key=f"heartbeat:{tenant.pk}")
    texts = list(incident.timeline.values_list("text", flat=True))
    assert "Heartbeat 'Weekly report' reported a failure." in texts


def test_a_new_check_never_pinged_is_not_reported(nightly):
    assert heartbeats.check_all(now=at(600)) == {"missed": 0, "failed": 0}


def test_the_owner_adds_changes_and_deletes_a_check_in_the_portal(owner_client, tenant):
    response = owner_client.post(
        reverse("heartbeats:add"), {"name": "Check-in reminders", "period_minutes": 15, "grace_minutes": 5}
    )
    assert response.status_code == 302
    check = HeartbeatCheck.objects.for_tenant(tenant).get()
    assert check.period == timedelta(minutes=15) and check.grace == timedelta(minutes=5)

    page = owner_client.get(reverse("heartbeats:list")).content.decode()
    assert f"/ping/{check.ping_key}" in page and "Check-in reminders" in page

    owner_client.post(
        reverse("heartbeats:edit", args=[check.pk]), {"name": "Reminders", "period_minutes": 30, "grace_minutes": 5}
    )
    check.refresh_from_db()
    assert check.name == "Reminders" and check.period == timedelta(minutes=30)

    owner_client.post(reverse("heartbeats:delete", args=[check.pk]), {"confirm": "on"})
    assert not HeartbeatCheck.objects.exists()
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"heartbeat.saved", "heartbeat.deleted"} <= actions


def test_a_bad_period_is_a_400_that_says_so(owner_client, tenant):
    response = owner_client.post(reverse("heartbeats:add"), {"name": "x", "period_minutes": 0, "grace_minutes": 5})
    assert response.status_code == 400 and not HeartbeatCheck.objects.exists()


def test_staff_see_heartbeats_in_the_admin(admin_client, nightly):
    page = admin_client.get(reverse("admin:health_heartbeatcheck_changelist")).content.decode()
    assert "Nightly export" in page
