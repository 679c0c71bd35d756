"""`session.status` webhooks: every status and its `statuses[]` history moves the connection and
emits WHATSAPP_CONNECTION_UPDATE; a late, older delivery changes nothing; FAILED or a QR code
shown too long opens (then joins) the tenant's WhatsApp incident; WORKING under WhatsApp's
reach-out timelock or message cap pauses sending to new contacts until a later event lifts it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.events.models import AuditEvent, SystemEvent
from apps.incidents.models import Incident
from apps.integrations import jobs
from apps.integrations.models import Connection
from tests.integrations.test_handlers import processed

pytestmark = pytest.mark.django_db
T0 = 1_780_000_000_000  # ms, as WAHA writes timestamps


@pytest.fixture
def waha(tenant):
    from tests.integrations.factories import ConnectionFactory

    return ConnectionFactory(tenant=tenant, provider="waha")


def status(waha, current, *history, **extra):
    statuses = [{"status": name, "timestamp": at} for name, at in history]
    payload = {"status": current, "statuses": statuses, **extra}
    return processed(waha, "session.status", {"session": "default", "payload": payload})


def test_the_history_is_applied_in_order_and_its_last_word_wins(waha):
    status(waha, "WORKING", ("STARTING", T0), ("SCAN_QR_CODE", T0 + 1000), ("WORKING", T0 + 2000))

    waha.refresh_from_db()
    assert waha.state == Connection.State.CONNECTED and waha.provider_status == "WORKING"
    update = SystemEvent.objects.get(code="WHATSAPP_CONNECTION_UPDATE")
    assert [entry["status"] for entry in update.meta["statuses"]] == ["STARTING", "SCAN_QR_CODE", "WORKING"]


def test_an_older_status_arriving_late_changes_nothing(waha):
    status(waha, "WORKING", ("WORKING", T0 + 5000))
    status(waha, "FAILED", ("FAILED", T0))

    waha.refresh_from_db()
    assert waha.provider_status == "WORKING" and waha.state == Connection.State.CONNECTED
    assert not Incident.objects.exists()
    assert "older status" in SystemEvent.objects.filter(code="WHATSAPP_CONNECTION_UPDATE").latest("id").message


def test_failed_opens_the_tenants_whatsapp_incident_once(waha, tenant):
    status(waha, "FAILED", ("WORKING", T0), ("FAILED", T0 + 1000))
    status(waha, "STARTING", ("STARTING", T0 + 2000))
    status(waha, "FAILED", ("FAILED", T0 + 3000))

    incident = Incident.objects.get()
    assert incident.dedup_key == f"whatsapp:{tenant.pk}" and incident.runbook.slug == "whatsapp-ban"
    assert list(incident.affected_tenants.all()) == [tenant]
    assert incident.timeline.filter(data__waha_status="FAILED").count() == 1


def test_a_qr_code_shown_too_long_opens_the_incident_from_the_job(waha, settings):
    settings.WAHA_SCAN_QR_INCIDENT_MINUTES = 15
    shown_at = timezone.now() - timedelta(minutes=16)
    status(waha, "SCAN_QR_CODE", ("SCAN_QR_CODE", int(shown_at.timestamp() * 1000)))

    assert Incident.objects.count() == 1  # the webhook already sees it is late
    assert jobs.waha_stuck_qr() == {"stuck": 1}
    assert Incident.objects.get().runbook.slug == "waha-down"


def test_a_fresh_qr_code_opens_nothing(waha):
    status(waha, "SCAN_QR_CODE")

    assert jobs.waha_stuck_qr() == {"stuck": 0}
    assert not Incident.objects.exists()


def test_the_reachout_timelock_pauses_new_contacts_until_a_later_event_lifts_it(waha):
    status(waha, "WORKING", reachoutTimelock={"isActive": True, "timeEnforcementEnds": "2026-12-04T10:00:00Z"})

    waha.refresh_from_db()
    assert waha.is_new_contacts_paused and waha.state == Connection.State.CONNECTED
    assert "Do not restart or re-pair" in waha.new_contacts_paused_reason
    assert "until 2026-12-04T10:00:00Z" in waha.new_contacts_paused_reason
    assert AuditEvent.objects.filter(action="connection.new_contacts_paused").count() == 1

    status(waha, "WORKING", reachoutTimelock={"isActive": False})

    waha.refresh_from_db()
    assert not waha.is_new_contacts_paused
    assert "lifted" in SystemEvent.objects.filter(code="WHATSAPP_CONNECTION_UPDATE").latest("id").message


def test_message_capping_at_capped_pauses_new_contacts_too(waha):
    status(waha, "WORKING", messageCapping={"status": "CAPPED"})

    waha.refresh_from_db()
    assert waha.is_new_contacts_paused and "message capping" in waha.new_contacts_paused_reason
