"""What operators use on the inbox: the admin (inbound events, dead letters, replay, connections
with write-only secrets), the replay and jobs API, and `manage.py add_connection`."""

import io

import pytest
from django.core.management import CommandError, call_command

from apps.events.models import AuditEvent
from apps.integrations.models import Connection, InboundEvent
from tests.integrations.factories import ConnectionFactory, InboundEventFactory

S = InboundEvent.Status


@pytest.fixture
def admin_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def dead(tenant):
    connection = ConnectionFactory(tenant=tenant, provider="waha")
    return [
        InboundEventFactory(
            connection=connection,
            status=S.DEAD_LETTERED,
            attempts=8,
            last_error="boom",
            raw_body='{"id": "evt", "event": "message"}',
        )
        for _ in range(3)
    ]


def test_add_connection_prints_id_webhook_url_and_generated_pms_secret(tenant):
    out = io.StringIO()
    call_command(
        "add_connection",
        "alpha",
        "pms",
        "--name",
        "Front desk",
        "--set",
        "base_url=http://pms.test",
        "--set",
        "api_key=k-123",
        stdout=out,
    )
    connection = Connection.objects.get(name="Front desk")
    text = out.getvalue()
    assert str(connection.pk) in text and f"/webhooks/pms/{connection.pk}/" in text
    assert connection.secret("signing_secret").startswith("whsec_") and connection.secret("signing_secret") in text
    assert connection.settings == {"base_url": "http://pms.test"} and connection.secret("api_key") == "k-123"
    assert "k-123" not in connection.secrets_encrypted


def test_add_connection_refuses_an_unknown_setting(tenant):
    with pytest.raises(CommandError, match="has no setting colour"):
        call_command("add_connection", "alpha", "waha", "--set", "colour=blue")
    assert not Connection.objects.exists()


def test_meta_connection_is_routed_by_its_phone_number_id(tenant, other_tenant):
    call_command("add_connection", "alpha", "meta", "--set", "phone_number_id=1065551234", stdout=io.StringIO())
    assert Connection.objects.get(provider="meta").external_key == "1065551234"
    with pytest.raises(CommandError, match="already uses"):
        call_command("add_connection", "beta", "meta", "--set", "phone_number_id=1065551234")


def test_connection_page_never_shows_secrets_back(admin_client, tenant):
    connection = ConnectionFactory(tenant=tenant, provider="chatwoot", secrets={"api_token": "cw-secret-token"})
    page = admin_client.get(f"/admin/integrations/connection/{connection.pk}/change/").content.decode()
    assert "cw-secret-token" not in page
    assert "Accepts forged deliveries" in page and "api_token" in page


def test_admin_creates_a_connection_through_the_service(admin_client, tenant):
    response = admin_client.post(
        "/admin/integrations/connection/add/",
        {
            "tenant": tenant.pk,
            "provider": "waha",
            "name": "WAHA main",
            "is_active": "on",
            "settings_json": '{"base_url": "http://waha.test", "session": "default"}',
            "api_key": "waha-key",
            "signing_secret": "hmac-key",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    connection = Connection.objects.get(name="WAHA main")
    assert connection.secret("api_key") == "waha-key" and connection.secret("signing_secret") == "hmac-key"
    assert AuditEvent.objects.filter(action="connection.created").exists()


def test_admin_refuses_a_secret_in_the_plain_settings(admin_client, tenant):
    response = admin_client.post(
        "/admin/integrations/connection/add/",
        {"tenant": tenant.pk, "provider": "waha", "name": "x", "settings_json": '{"api_key": "oops"}'},
    )
    assert response.status_code == 200
    assert "is not a plain waha setting" in response.content.decode()
    assert not Connection.objects.exists()


def test_dead_letter_view_lists_only_dead_letters_and_shows_the_body(admin_client, dead, tenant):
    InboundEventFactory(connection=dead[0].connection, status=S.PROCESSED)
    listing = admin_client.get("/admin/integrations/deadletter/").content.decode()
    assert listing.count("boom") == 3
    detail = admin_client.get(f"/admin/integrations/inboundevent/{dead[0].pk}/change/").content.decode()
    assert "&quot;event&quot;: &quot;message&quot;" in detail and "Replay this event" in detail


def test_admin_replays_the_selection_with_a_reason(admin_client, dead):
    ids = [str(event.pk) for event in dead[:2]]
    response = admin_client.post(
        "/admin/integrations/inboundevent/",
        {"action": "replay_action", "_selected_action": ids, "confirm": "1", "reason": "WAHA fixed"},
    )
    assert response.status_code == 302
    assert InboundEvent.objects.filter(pk__in=ids, status=S.RECEIVED, attempts=0).count() == 2
    assert InboundEvent.objects.filter(status=S.DEAD_LETTERED).count() == 1
    assert AuditEvent.objects.get(action="inbound.replayed").reason == "WAHA fixed"


def test_admin_replay_without_a_reason_changes_nothing(admin_client, dead):
    admin_client.post(
        "/admin/integrations/inboundevent/",
        {"action": "replay_action", "_selected_action": [dead[0].pk], "confirm": "1", "reason": ""},
    )
    dead[0].refresh_from_db()
    assert dead[0].status == S.DEAD_LETTERED


def test_api_replays_all_dead_letters_of_a_tenant_since_a_time(operator_api, dead, other_tenant):
    theirs = InboundEventFactory(connection=ConnectionFactory(tenant=other_tenant), status=S.DEAD_LETTERED)
    response = operator_api.post(
        "/api/v1/inbound-events/replay/",
        {"tenant": "alpha", "status": "dead_lettered", "since": "2020-01-01T00:00:00Z", "reason": "after the fix"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["replayed"] == 3
    theirs.refresh_from_db()
    assert theirs.status == S.DEAD_LETTERED
    assert AuditEvent.objects.get(action="inbound.replayed").after["count"] == 3


def test_api_bulk_replay_without_a_filter_is_a_400(operator_api, dead):
    response = operator_api.post("/api/v1/inbound-events/replay/", {"reason": "everything"}, format="json")
    assert response.status_code == 400
    assert "at least one filter" in response.json()["detail"]


def test_api_replays_one_event(operator_api, dead):
    response = operator_api.post(f"/api/v1/inbound-events/{dead[0].pk}/replay/", {"reason": "one"}, format="json")
    assert response.status_code == 200 and response.json()["replayed"] == 1


def test_api_lists_inbound_events_with_filters(operator_api, dead):
    response = operator_api.get("/api/v1/inbound-events/", {"status": "dead_lettered", "tenant": "alpha"})
    assert response.json()["count"] == 3


def test_tenant_key_cannot_read_the_inbox(tenant_api, dead):
    assert tenant_api.get("/api/v1/inbound-events/").status_code == 403


def test_jobs_status_shows_the_backlog_and_dead_letters(operator_api, dead):
    InboundEventFactory(connection=dead[0].connection)
    body = operator_api.get("/api/v1/jobs/status").json()
    assert body["inbox"]["pending"]["received"] == 1
    assert body["inbox"]["dead_letters_total"] == 3
    assert body["inbox"]["oldest_pending_age_seconds"] is not None
    assert "integrations.sweep_inbox" in body["jobs"]


def test_scheduler_lists_jobs_and_tick_runs_the_due_ones(operator_api):
    schedule = operator_api.get("/api/v1/jobs/scheduler").json()["jobs"]
    assert {"integrations.sweep_inbox", "integrations.automation_timeouts"} <= {job["name"] for job in schedule}
    ran = operator_api.post("/api/v1/jobs/scheduler/tick").json()["ran"]
    assert "integrations.sweep_inbox" in {run["name"] for run in ran}
    again = {run["name"] for run in operator_api.post("/api/v1/jobs/scheduler/tick").json()["ran"]}
    assert "integrations.sweep_inbox" not in again
