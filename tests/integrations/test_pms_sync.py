"""A manual PMS sync against a local PMS: it finds what the webhooks had missed (reservations
Opsdesk lacked or held in an older state), fills the gaps through the reservation service, lists
them on the run, and a second sync applies nothing twice. A failed sync emits PMS_SYNC_FAILED."""

import logging
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from apps.events.models import SystemEvent
from apps.integrations import reservations
from apps.integrations.models import PmsSyncRun, Reservation
from apps.integrations.pms import sync
from tests.fakes import serving
from tests.fakes.pms import FakePmsApi
from tests.integrations.factories import ConnectionFactory

pytestmark = pytest.mark.django_db
pms = serving(FakePmsApi)
T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
T1 = T0 + timedelta(hours=5)


@pytest.fixture
def connection(tenant, pms):
    return ConnectionFactory(
        tenant=tenant, provider="pms", settings={"base_url": pms.url}, secrets={"api_key": "pms-key"}
    )


def webhook(connection, reservation_id, status, at):
    reservations.record_event(
        connection,
        reservation_id,
        status=status,
        event_type=f"reservation.{status}",
        webhook_id=f"msg_{reservation_id}_{status}",
        at=at,
        data={"reservation_id": reservation_id, "guest": {"name": "Ana Pérez"}},
    )


@pytest.fixture
def three_gaps(connection, pms):
    """R-1 was cancelled and R-3, R-4 were booked while the webhooks were down; R-2 is up to date."""
    webhook(connection, "R-1", "created", T0)
    webhook(connection, "R-2", "created", T0)
    pms.put("R-1", "cancelled", T1, guest={"name": "Ana Pérez"}, room="12")
    pms.put("R-2", "created", T0, guest={"name": "Ben Ode"}, room="14")
    pms.put("R-3", "created", T1, guest={"name": "Chen Li", "phone": "+34600000003"}, check_in="2026-12-01")
    pms.put("R-4", "checked_in", T1 + timedelta(minutes=1), guest={"name": "Dana Roe"}, room="21")


def test_a_manual_sync_finds_and_fills_three_gaps_and_applies_nothing_twice(connection, three_gaps, pms):
    run = sync.sync_now(connection, since=T0 - timedelta(days=1))

    assert run.status == "succeeded" and (run.fetched, run.missing, run.outdated, run.applied) == (4, 2, 1, 3)
    assert sorted((gap["reservation_id"], gap["kind"]) for gap in run.gaps) == [
        ("R-1", "outdated"),
        ("R-3", "missing"),
        ("R-4", "missing"),
    ]
    held = {r.external_id: r for r in Reservation.objects.filter(connection=connection)}
    assert {key: r.status for key, r in held.items()} == {
        "R-1": "cancelled",
        "R-2": "created",
        "R-3": "created",
        "R-4": "checked_in",
    }
    assert held["R-3"].guest_phone == "+34600000003" and str(held["R-3"].check_in) == "2026-12-01"
    histories = {r.external_id: list(r.history) for r in held.values()}

    again = sync.sync_now(connection, since=T0 - timedelta(days=1))

    assert (again.fetched, again.applied, again.gaps) == (4, 0, [])
    assert {r.external_id: r.history for r in Reservation.objects.filter(connection=connection)} == histories
    assert "updated_since=2026-11-19T10%3A00%3A00%2B00%3A00" in pms.requests_to("/reservations")[0].query


def test_the_same_reservation_applied_twice_is_applied_once(connection, three_gaps):
    item = {"reservation_id": "R-9", "status": "created", "updated_at": T1.isoformat()}
    gap = sync.gap_of(item, None)

    sync._apply(connection, item, gap)
    sync._apply(connection, item, gap)

    assert len(Reservation.objects.get(external_id="R-9").history) == 1


def test_sync_logs_carry_the_reservation_id(connection, three_gaps, caplog):
    with caplog.at_level(logging.INFO, logger="opsdesk"):
        sync.sync_now(connection, since=T0)

    ids = {getattr(record, "reservation_id", None) for record in caplog.records if "reservation" in record.name}
    assert {"R-1", "R-3", "R-4"} <= ids


def test_pms_sync_command_prints_the_gaps(connection, three_gaps):
    out = StringIO()
    call_command("pms_sync", str(connection.pk), "--since", "2026-11-19T00:00:00Z", stdout=out)

    text = out.getvalue()
    assert "fetched 4, missing 2, outdated 1, applied 3" in text and "outdated R-1 → cancelled" in text


def test_a_failed_sync_emits_pms_sync_failed_and_says_why(connection, pms, tenant):
    pms.available = False

    with pytest.raises(CommandError, match="the PMS answered HTTP 503: maintenance"):
        call_command("pms_sync", str(connection.pk))

    assert PmsSyncRun.objects.get().status == "failed"
    assert SystemEvent.objects.filter(code="PMS_SYNC_FAILED", tenant=tenant).count() == 1


def test_a_wrong_key_is_an_auth_failure(connection, pms):
    connection.set_secrets(api_key="wrong")
    connection.save()

    run = sync.sync_now(connection, since=T0)

    assert run.status == "failed" and run.error.startswith("the PMS refused the API key (HTTP 401)")


def test_a_connection_is_stale_without_a_recent_sync_or_webhook(connection, three_gaps):
    assert sync.is_stale(connection, now=T1 + timedelta(days=2))
    sync.sync_now(connection, since=T0)
    assert not sync.is_stale(connection)


def test_the_admin_queues_a_sync_and_the_runs_page_lists_the_gaps(
    admin_client, connection, three_gaps, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    from apps.events.models import AuditEvent

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:integrations_connection_changelist"),
            {
                "action": "sync_reservations_from_the_pms_queued",
                "_selected_action": [str(connection.pk)],
                "hours": 24 * 30,
                "confirm": "yes",
            },
        )

    assert response.status_code == 302
    run = PmsSyncRun.objects.get()
    assert run.status == "succeeded" and run.applied == 3
    assert AuditEvent.objects.filter(action="pms.sync_requested").count() == 1
    page = admin_client.get(reverse("admin:integrations_pmssyncrun_change", args=[run.pk])).content.decode()
    assert "R-1" in page and "older state" in page and "R-4" in page
    connection_page = admin_client.get(reverse("admin:integrations_connection_change", args=[connection.pk]))
    assert "Fresh" in connection_page.content.decode() and "3 applied" in connection_page.content.decode()


def test_the_freshness_check_fails_for_a_stale_connection(connection, three_gaps):
    from apps.health import checks

    stale = checks.run("connection_pms_fresh", connection=connection)
    assert stale.status == "fail" and stale.detail.startswith("stale: no successful sync or webhook since never")

    sync.sync_now(connection, since=T0)

    assert checks.run("connection_pms_fresh", connection=connection).status == "pass"
