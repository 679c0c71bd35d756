"""Changes of state in integrations go through its services: a WAHA session's state is audited,
the sweeper releases stuck events through the pipeline's own function, and the connection admin
shows what the service saved."""

from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.utils import timezone

from apps.events.models import AuditEvent
from apps.integrations import processing, services
from apps.integrations.models import Connection, InboundEvent
from tests.integrations.factories import ConnectionFactory, InboundEventFactory

S = InboundEvent.Status


def session_status(connection, status, external_id):
    event = InboundEventFactory(
        connection=connection,
        event_type="session.status",
        external_id=external_id,
        payload={"event": "session.status", "session": "default", "payload": {"status": status}},
    )
    assert processing.process(event.pk) == S.PROCESSED, InboundEvent.objects.get(pk=event.pk).last_error


def test_waha_session_state_change_is_audited_once_per_change(tenant):
    waha = ConnectionFactory(tenant=tenant, provider="waha")
    session_status(waha, "WORKING", "s-1")
    session_status(waha, "WORKING", "s-2")
    session_status(waha, "FAILED", "s-3")
    records = list(AuditEvent.objects.filter(action="connection.state_changed").order_by("id"))
    assert [(r.before["state"], r.after["state"]) for r in records] == [
        ("unknown", "connected"),
        ("connected", "disconnected"),
    ]
    assert records[1].after["reported"] == "FAILED" and records[1].tenant_id == tenant.pk
    assert records[1].target_id == str(waha.pk) and records[1].actor_label == "waha session.status"


def test_record_state_refuses_an_unknown_state(tenant):
    from apps.core.errors import ServiceError

    waha = ConnectionFactory(tenant=tenant, provider="waha")
    with pytest.raises(ServiceError, match="Unknown connection state"):
        services.record_state(waha, "sleepy")
    assert Connection.objects.get(pk=waha.pk).state == Connection.State.UNKNOWN


def test_release_stuck_puts_only_stuck_events_back_and_says_why(tenant, settings):
    settings.INBOX_STUCK_AFTER_S = 300
    now = timezone.now()
    stuck = InboundEventFactory(status=S.PROCESSING, attempts=1, processing_started_at=now - timedelta(minutes=10))
    busy = InboundEventFactory(status=S.PROCESSING, attempts=1, processing_started_at=now - timedelta(seconds=30))
    assert processing.release_stuck(now) == 1
    stuck.refresh_from_db()
    busy.refresh_from_db()
    assert stuck.status == S.RECEIVED and "worker processing it stopped" in stuck.last_error
    assert busy.status == S.PROCESSING


def test_admin_add_logs_the_connection_the_service_saved(client, staff, tenant):
    client.force_login(staff)
    response = client.post(
        "/admin/integrations/connection/add/",
        {
            "tenant": tenant.pk,
            "provider": "waha",
            "name": "WAHA front desk",
            "is_active": "on",
            "settings_json": '{"base_url": "http://waha.test"}',
        },
    )
    assert response.status_code == 302
    connection = Connection.objects.get(name="WAHA front desk")
    assert response.url.rstrip("/").endswith(f"{connection.pk}/change") or response.url.endswith("/connection/")
    entry = LogEntry.objects.get()
    assert (entry.object_id, entry.object_repr) == (str(connection.pk), str(connection))
