"""The WhatsApp ban flow from start to watch against a WAHA-like server: WhatsApp off with the
reason, a cooldown of 24 h at least, a new session on a device name other than the banned one,
re-enabled once the QR is scanned, then an hour's watch that reopens the incident one severity
higher on a failure. Each step is on the incident's timeline and audited; it can be abandoned."""

from datetime import timedelta

import pytest

from apps.core.errors import ServiceError
from apps.events.models import AuditEvent
from apps.incidents.models import BanFlow, Severity, Status
from apps.incidents.services import ban_flow, lifecycle
from apps.integrations.models import Connection
from apps.tenants.models import Tenant
from tests.fakes.waha import FakeWahaSessions
from tests.integrations.factories import ConnectionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def waha():
    with FakeWahaSessions(api_key="waha-key") as server:
        server.by_name.clear()
        yield server


@pytest.fixture
def banned(tenant, waha):
    """The tenant's WAHA session, linked on device "Bella Front Desk", is banned."""
    connection = ConnectionFactory(
        tenant=tenant,
        provider="waha",
        settings={"base_url": waha.url, "session": "default", "device_name": "Bella Front Desk"},
        secrets={"api_key": "waha-key"},
    )
    waha._create({"name": "default"})
    waha.advance(1)
    waha.scan("default")
    waha.fail("default")
    return connection


def hours_pass(flow, hours):
    """Moves the ban's own times back, as if `hours` had passed."""
    shift = timedelta(hours=hours)
    Tenant.objects.filter(pk=flow.tenant_id).update(whatsapp_disabled_at=flow.disabled_at - shift)
    BanFlow.objects.filter(pk=flow.pk).update(
        disabled_at=flow.disabled_at - shift, cooldown_until=flow.cooldown_until - shift
    )
    flow.refresh_from_db()


def started(tenant, staff):
    return ban_flow.start(tenant, actor=staff, reason="Number banned after a broadcast", cooldown_hours=48)


def test_a_ban_flow_from_start_to_a_clean_watch(tenant, staff, banned, waha):
    flow = started(tenant, staff)
    tenant.refresh_from_db()
    assert not tenant.is_whatsapp_enabled and tenant.whatsapp_disabled_for_ban
    assert flow.step == BanFlow.Step.COOLDOWN and flow.banned_device_name == "Bella Front Desk"
    assert flow.cooldown_until - flow.disabled_at == timedelta(hours=48)

    hours_pass(flow, 48)
    ban_flow.new_session(flow, device_name="Bella Tablet", actor=staff)
    assert waha.by_name["default"].config["client"] == {"deviceName": "Bella Tablet"}
    waha.advance(1)
    with pytest.raises(ServiceError) as not_scanned:
        ban_flow.reenable(flow, actor=staff)
    assert "SCAN_QR_CODE" in not_scanned.value.message
    waha.scan("default", number="4915199999999")

    ban_flow.reenable(flow, actor=staff)
    tenant.refresh_from_db()
    assert tenant.is_whatsapp_enabled and flow.step == BanFlow.Step.WATCHING

    for minute in range(1, 60):
        assert ban_flow.watch(now=flow.reenabled_at + timedelta(minutes=minute))["failed"] == 0
    assert ban_flow.watch(now=flow.reenabled_at + timedelta(minutes=60))["passed"] == 1
    flow.refresh_from_db()
    assert flow.step == BanFlow.Step.DONE and flow.watch_checks == 59

    steps = list(flow.incident.timeline.filter(data__ban_flow=flow.pk).values_list("data__step", flat=True))
    assert steps == ["cooldown", "cooldown", "new_session", "watching", "done"]
    actions = set(AuditEvent.objects.filter(action__startswith="whatsapp_ban.").values_list("action", flat=True))
    assert actions == {
        "whatsapp_ban.started",
        "whatsapp_ban.cooldown",
        "whatsapp_ban.new_session",
        "whatsapp_ban.reenabled",
        "whatsapp_ban.done",
    }
    assert Connection.objects.get(pk=banned.pk).setting("device_name") == "Bella Tablet"


def test_the_banned_device_name_is_refused_and_says_why(tenant, staff, banned):
    flow = started(tenant, staff)
    hours_pass(flow, 48)

    with pytest.raises(ServiceError) as refused:
        ban_flow.new_session(flow, device_name="  bella front desk ", actor=staff)

    assert refused.value.code == "banned_device" and "different device name" in refused.value.message
    assert BanFlow.objects.get(pk=flow.pk).step == BanFlow.Step.COOLDOWN


def test_no_new_session_during_the_cooldown_and_no_cooldown_under_24_hours(tenant, staff, banned):
    with pytest.raises(ServiceError) as short:
        ban_flow.start(tenant, actor=staff, reason="banned", cooldown_hours=12)
    assert short.value.code == "cooldown_too_short"

    flow = started(tenant, staff)
    hours_pass(flow, 30)
    with pytest.raises(ServiceError) as early:
        ban_flow.new_session(flow, device_name="Bella Tablet", actor=staff)
    assert early.value.code == "cooldown"


def test_a_failure_during_the_watch_reopens_the_incident_one_severity_higher(tenant, staff, banned, waha):
    flow = started(tenant, staff)
    hours_pass(flow, 48)
    ban_flow.new_session(flow, device_name="Bella Tablet", actor=staff)
    waha.advance(1)
    waha.scan("default")
    ban_flow.reenable(flow, actor=staff)
    lifecycle.change_status(flow.incident, Status.RESOLVED, actor=staff, note="Back online")
    assert flow.incident.severity == Severity.SEV3

    ban_flow.watch(now=flow.reenabled_at + timedelta(minutes=1))
    waha.fail("default")
    assert ban_flow.watch(now=flow.reenabled_at + timedelta(minutes=2))["failed"] == 1

    flow.refresh_from_db()
    flow.incident.refresh_from_db()
    assert flow.step == BanFlow.Step.WATCH_FAILED
    assert flow.incident.status == Status.TRIAGED and flow.incident.severity == Severity.SEV2
    assert ban_flow.watch(now=flow.reenabled_at + timedelta(minutes=3)) == {"checked": 0, "failed": 0, "passed": 0}


def test_the_flow_can_be_abandoned_and_one_runs_per_tenant(tenant, staff, banned):
    flow = started(tenant, staff)
    with pytest.raises(ServiceError) as twice:
        started(tenant, staff)
    assert twice.value.code == "open"

    ban_flow.abandon(flow, actor=staff, reason="False alarm: the phone was off")

    assert BanFlow.objects.get(pk=flow.pk).step == BanFlow.Step.ABANDONED
    assert flow.incident.timeline.filter(text__contains="abandoned").exists()
    assert AuditEvent.objects.filter(action="whatsapp_ban.abandoned", actor=staff).exists()
    assert ban_flow.open_flow(tenant) is None
