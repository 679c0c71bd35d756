"""Checklists on the incident: a Chatwoot outage (sev1) cannot resolve while the fake Chatwoot's
/rails/health fails and resolves once every restore item is green; the 15-minute health gate counts
down on a test clock; close waits for the post-outage list; overrides are audited; manual ticks say
who and when; the beat job turns items green by itself."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.core.errors import ServiceError
from apps.events.models import AuditEvent
from apps.health.models import HealthMonitor
from apps.health.services import run_monitor
from apps.incidents.models import IncidentChecklistItem, Runbook, Stage, Status, TimelineEntry
from apps.incidents.services import change_status, checklists
from apps.integrations.models import ConversationMessage, InboundEvent
from apps.jobs.services import run_job
from tests.factories import TenantFactory
from tests.fakes import serving
from tests.fakes.chatwoot import FakeChatwoot
from tests.incidents.factories import make_incident, postmortem
from tests.knowledge.factories import ChatwootConnectionFactory

pytestmark = pytest.mark.django_db
chatwoot = serving(FakeChatwoot)
SECRET = "chatwoot-webhook-secret"


@pytest.fixture
def clock():
    """The test's clock: minute 0 is when Chatwoot first fails."""
    start = timezone.now().replace(microsecond=0)
    return lambda minutes=0: start + timedelta(minutes=minutes)


@pytest.fixture
def connection(chatwoot):
    tenant = TenantFactory(name="Support Desk", slug="support")
    return ChatwootConnectionFactory(
        tenant=tenant,
        name="Platform Chatwoot",
        settings={"base_url": chatwoot.url, "account_id": chatwoot.account_id},
        secrets={"api_token": chatwoot.token, "signing_secret": SECRET},
    )


@pytest.fixture
def monitor(connection):
    return HealthMonitor.objects.create(
        key=f"connection:{connection.pk}",
        name="Chatwoot: Platform Chatwoot (support)",
        kind=HealthMonitor.Kind.CONNECTION,
        check_name="connection_chatwoot",
        connection=connection,
        tenant=connection.tenant,
        is_platform=True,
    )


@pytest.fixture
def outage(chatwoot, monitor, clock):
    """Chatwoot's /rails/health fails twice: the monitor opens a sev1 incident on 'Chatwoot down'."""
    chatwoot.down()
    run_monitor(monitor, now=clock(0))
    run_monitor(monitor, now=clock(1))
    monitor.refresh_from_db()
    return monitor.incident


@pytest.fixture
def sla_job_ran():
    return run_job("tickets.mark_sla_breaches")


def state(incident, check):
    checklists.states(incident)
    return IncidentChecklistItem.objects.get(incident=incident, item__check_name=check, item__stage__in=Stage.values)


def recover(chatwoot, monitor, clock, minutes=3):
    chatwoot.up()
    run_monitor(monitor, now=clock(minutes))


def test_the_outage_opens_a_sev1_incident_that_follows_the_chatwoot_runbook_checklists(outage):
    assert outage.severity == "sev1" and outage.runbook.slug == "chatwoot-down"
    rows = checklists.states(outage)
    assert [row.item.check_name for row in rows if row.item.stage == Stage.RESTORE] == [
        "chatwoot_health",
        "chatwoot_api",
        "test_webhook_delivery",
        "ai_draft_path",
        "sla_monitoring",
        "manual_mode_off",
        "team_notified",
    ]
    assert [row.item.check_name for row in rows if row.item.stage == Stage.POST_OUTAGE] == [
        "health_green_for",
        "no_new_dead_letters",
        "webhook_retry_rate",
        "backlog_cleared",
        "sla_reviewed",
    ]
    assert {row.state for row in rows} == {"pending"}


def test_resolve_is_refused_while_rails_health_fails_and_allowed_once_every_restore_item_is_green(
    outage, chatwoot, monitor, clock, staff, sla_job_ran, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the worker processes the test delivery
        checklists.run_checklist(outage, actor=staff, now=clock(2))
    health = state(outage, "chatwoot_health")
    assert health.state == "failed" and "/rails/health answered HTTP 500" in health.detail

    with pytest.raises(ServiceError) as refused:
        change_status(outage, Status.RESOLVED, actor=staff, now=clock(2))
    assert refused.value.code == "checklist_not_done"
    assert "A sev1 incident cannot be resolved until its restore automation checklist is done" in str(refused.value)
    assert "Chatwoot /rails/health answers 200 (failed)" in str(refused.value)

    recover(chatwoot, monitor, clock)
    checklists.run_checklist(outage, actor=staff, now=clock(4))
    assert {check: state(outage, check).state for check in RESTORE_AUTOMATIC} == {
        "chatwoot_health": "green",
        "chatwoot_api": "green",
        "test_webhook_delivery": "green",
        "ai_draft_path": "not_applicable",
        "sla_monitoring": "green",
        "manual_mode_off": "green",
        "team_notified": "failed",
    }
    with pytest.raises(ServiceError, match=r"not yet: The team is notified \(failed\)"):
        change_status(outage, Status.RESOLVED, actor=staff, now=clock(4))

    checklists.tick(state(outage, "team_notified"), actor=staff, note="Told the team on the phone", now=clock(5))
    resolved = change_status(outage, Status.RESOLVED, actor=staff, now=clock(5))

    assert resolved.status == Status.RESOLVED
    assert resolved.timeline.filter(kind=TimelineEntry.Kind.CHECKLIST, text__startswith="Checklist run:").count() == 2


RESTORE_AUTOMATIC = [
    "chatwoot_health",
    "chatwoot_api",
    "test_webhook_delivery",
    "ai_draft_path",
    "sla_monitoring",
    "manual_mode_off",
    "team_notified",
]


def test_the_test_delivery_is_signed_stored_and_processed_as_nobodys_message(
    outage, chatwoot, monitor, clock, staff, connection, django_capture_on_commit_callbacks
):
    recover(chatwoot, monitor, clock)
    with django_capture_on_commit_callbacks(execute=True):
        checklists.run_checklist(outage, actor=staff, now=clock(4))

    row = InboundEvent.objects.get(connection=connection, event_type="opsdesk_test_delivery")
    assert row.status == InboundEvent.Status.PROCESSED
    assert row.payload["opsdesk_test"] is True
    assert row.headers["X-Chatwoot-Signature"].startswith("sha256=")
    assert not ConversationMessage.objects.exists()
    assert state(outage, "test_webhook_delivery").state == "waiting"
    checklists.run_checklist(outage, actor=staff, now=clock(5))
    assert state(outage, "test_webhook_delivery").state == "green"


def test_a_test_delivery_that_never_reached_the_inbox_fails_the_item_and_a_new_one_is_sent(
    outage, chatwoot, monitor, clock, staff, connection
):
    recover(chatwoot, monitor, clock)
    record = {"deliveries": {str(connection.pk): {"token": "lost", "sent_at": clock(-30).isoformat()}}}
    IncidentChecklistItem.objects.filter(pk=state(outage, "test_webhook_delivery").pk).update(value=record)

    checklists.run_checklist(outage, actor=staff, now=clock(4))

    row = state(outage, "test_webhook_delivery")
    assert row.state == "failed" and "the last test delivery never reached the inbox" in row.detail
    assert row.value["deliveries"][str(connection.pk)]["token"] != "lost"
    assert InboundEvent.objects.filter(event_type="opsdesk_test_delivery").count() == 1


def test_the_post_outage_gate_counts_down_fifteen_minutes_on_a_test_clock(outage, chatwoot, monitor, clock, staff):
    recover(chatwoot, monitor, clock)
    change_status(outage, Status.RESOLVED, actor=staff, now=clock(3), override_reason="Testing the gate only")

    checklists.run_checklist(outage, actor=staff, now=clock(1 + 14), stages=[Stage.POST_OUTAGE])
    gate = state(outage, "health_green_for")
    assert gate.state == "waiting"
    assert gate.due_at == clock(1 + 15)
    assert gate.seconds_left(clock(1 + 14)) == 60
    assert "15 min needed, 1 min 00 s to go" in gate.detail

    checklists.run_checklist(outage, actor=staff, now=clock(1 + 15), stages=[Stage.POST_OUTAGE])
    assert state(outage, "health_green_for").state == "green"


def test_the_gate_restarts_when_a_health_check_fails_again(outage, chatwoot, monitor, clock, staff):
    recover(chatwoot, monitor, clock)
    chatwoot.down()
    run_monitor(monitor, now=clock(10))

    checklists.run_checklist(outage, actor=staff, now=clock(20), stages=[Stage.POST_OUTAGE])
    row = state(outage, "health_green_for")
    assert row.state == "failed" and "not green now" in row.detail


def test_close_is_refused_until_the_post_outage_list_is_done(
    outage, chatwoot, monitor, clock, staff, django_capture_on_commit_callbacks
):
    recover(chatwoot, monitor, clock)
    change_status(outage, Status.RESOLVED, actor=staff, now=clock(3), override_reason="Restore list tested elsewhere")
    postmortem(outage, staff, clock(5))
    checklists.run_checklist(outage, actor=staff, now=clock(20), stages=[Stage.POST_OUTAGE])

    with pytest.raises(ServiceError) as refused:
        change_status(outage, Status.CLOSED, actor=staff, now=clock(20))
    assert "cannot be closed until its post-outage verification checklist is done" in str(refused.value)
    assert "SLA adherence for the affected period reviewed (pending)" in str(refused.value)
    assert "Every health check green" not in str(refused.value)

    checklists.tick(state(outage, "sla_reviewed"), actor=staff, now=clock(21))
    assert change_status(outage, Status.CLOSED, actor=staff, now=clock(22)).status == Status.CLOSED


def test_the_sla_review_item_links_the_tickets_of_the_incident_window(outage, chatwoot, monitor, clock, staff):
    row = state(outage, "sla_reviewed")
    links = row.item.spec.url(outage)
    assert links[0][1].startswith("/admin/tickets/ticket/?last_activity_at__gte=")
    first, last = (f"{timezone.localtime(moment):%Y-%m-%d}" for moment in (outage.began_at, timezone.now()))
    assert links[1] == (f"SLA report, {first} to {last}", f"/admin/tickets/ticket/reports/?start={first}&end={last}")


def test_the_sla_review_report_link_opens_the_report_of_the_incident_days(outage, admin_client):
    label, url = state(outage, "sla_reviewed").item.spec.url(outage)[1]
    page = admin_client.get(url).content.decode()
    assert label.removeprefix("SLA report, ") in page and 'class="error"' not in page


def test_an_override_with_a_reason_resolves_and_is_audited(outage, clock, staff):
    incident = change_status(
        outage, Status.RESOLVED, actor=staff, now=clock(2), override_reason="Chatwoot is back; probe host is down"
    )

    assert incident.status == Status.RESOLVED
    entry = incident.timeline.get(kind=TimelineEntry.Kind.CHECKLIST)
    assert entry.text.startswith("Resolved over the restore automation checklist (not done: Chatwoot /rails/health")
    assert entry.text.endswith(": Chatwoot is back; probe host is down") and entry.author == staff
    audit = AuditEvent.objects.get(action="incident.checklist_overridden")
    assert audit.actor == staff and audit.reason == "Chatwoot is back; probe host is down"
    assert "Chatwoot /rails/health answers 200 (not run yet)" in audit.after["not_done"]


def test_a_blank_override_reason_is_no_override(outage, clock, staff):
    with pytest.raises(ServiceError, match="cannot be resolved"):
        change_status(outage, Status.RESOLVED, actor=staff, now=clock(2), override_reason="   ")


def test_a_manual_tick_records_who_and_when_and_can_be_taken_back(outage, clock, staff):
    row = checklists.tick(state(outage, "sla_reviewed"), actor=staff, note="Reviewed 12 tickets", now=clock(30))

    assert (row.state, row.ticked_by, row.ticked_at) == ("ticked", staff, clock(30))
    assert row.detail == "ticked by oncall-1: Reviewed 12 tickets"
    assert outage.timeline.filter(
        text="Checklist: SLA adherence for the affected period reviewed ticked by oncall-1: Reviewed 12 tickets"
    ).exists()
    assert AuditEvent.objects.filter(action="incident.checklist_ticked", actor=staff).exists()

    row = checklists.untick(row, actor=staff, now=clock(31))
    assert (row.state, row.ticked_by, row.ticked_at) == ("pending", None, None)
    assert AuditEvent.objects.filter(action="incident.checklist_unticked", actor=staff).exists()


def test_an_automatic_check_cannot_be_ticked_by_hand(outage, staff):
    with pytest.raises(ServiceError, match="runs by itself and cannot be ticked by hand"):
        checklists.tick(state(outage, "chatwoot_health"), actor=staff)


def test_a_tick_survives_the_next_run(outage, chatwoot, monitor, clock, staff):
    checklists.tick(state(outage, "team_notified"), actor=staff, now=clock(2))
    checklists.run_checklist(outage, actor=staff, now=clock(3))
    assert state(outage, "team_notified").state == "ticked"


def test_the_beat_job_turns_items_green_by_itself(outage, chatwoot, monitor, clock):
    run_job("incidents.run_checklists")
    assert state(outage, "chatwoot_health").state == "failed"

    chatwoot.up()
    run = run_job("incidents.run_checklists")

    assert run.status == "succeeded" and run.counts["incidents"] >= 1
    assert state(outage, "chatwoot_health").state == "green"
    assert state(outage, "chatwoot_api").state == "green"
    entry = outage.timeline.filter(text__startswith="Checklist: Chatwoot /rails/health answers 200 — green").get()
    assert entry.author is None
    assert state(outage, "health_green_for").last_run_at is None  # post-outage waits for resolution


def test_manual_mode_keeps_the_restore_list_red(outage, clock, staff, connection):
    connection.tenant.manual_mode_since = clock(0)
    connection.tenant.save(update_fields=["manual_mode_since"])

    checklists.run_checklist(outage, actor=staff, now=clock(2))

    row = state(outage, "manual_mode_off")
    assert row.state == "failed" and "manual mode is still on: support" in row.detail


@pytest.fixture
def left_open(outage, connection, staff):
    """A WhatsApp conversation answered by hand for the affected tenant, whose switch was then turned
    off without the hand-back (as when a hand-back was skipped or the switch was set directly)."""
    from apps.fallback import services as fallback
    from apps.fallback.models import Conversation
    from apps.tenants import services as tenants
    from tests.fallback.helpers import meta_message
    from tests.integrations.factories import ConnectionFactory

    fallback.turn_on(connection.tenant, actor=staff, reason="Chatwoot is down")
    meta_message(ConnectionFactory(tenant=connection.tenant, provider="meta", external_key="1065550001"), "w.1", "Hi?")
    tenants.set_manual_mode(connection.tenant, False, actor=staff, reason="Chatwoot back")
    return Conversation.objects.get(state=Conversation.State.OPEN)


def test_open_fallback_conversations_keep_manual_mode_off_red_until_handed_back(
    outage, left_open, clock, staff, connection
):
    from apps.fallback import services as fallback

    checklists.run_checklist(outage, actor=staff, now=clock(2))
    row = state(outage, "manual_mode_off")
    assert row.state == "failed"
    assert row.detail.startswith("manual mode is off but 1 fallback conversation(s) are still open (support: 1)")
    assert "turning manual mode off again hands them back" in row.detail

    assert fallback.turn_off(connection.tenant, actor=staff, reason="hand them back") == 1
    checklists.run_checklist(outage, actor=staff, now=clock(3))
    row = state(outage, "manual_mode_off")
    assert row.state == "green" and "no conversation left open" in row.detail


def test_another_tenants_own_manual_mode_conversations_do_not_count(outage, clock, staff):
    from apps.fallback.models import Conversation
    from tests.fallback.helpers import meta_message, turn_on
    from tests.integrations.factories import ConnectionFactory

    elsewhere = TenantFactory(slug="elsewhere")
    turn_on(elsewhere, staff)
    meta_message(ConnectionFactory(tenant=elsewhere, provider="meta", external_key="1065550002"), "w.2", "Hello?")
    assert Conversation.objects.filter(state=Conversation.State.OPEN).count() == 1

    checklists.run_checklist(outage, actor=staff, now=clock(2))
    assert state(outage, "manual_mode_off").state == "green"


def test_sla_monitoring_fails_when_the_sla_job_has_not_run(outage, clock, staff):
    checklists.run_checklist(outage, actor=staff, now=clock(2))
    row = state(outage, "sla_monitoring")
    assert row.state == "failed" and "never ran" in row.detail


def test_incidents_without_checklists_resolve_as_before(staff, tenant, clock):
    incident = make_incident(staff, severity="sev1", codes=["META_TOKEN_EXPIRED"], tenants=[tenant], now=clock(0))
    assert checklists.states(incident) == []
    assert change_status(incident, Status.RESOLVED, actor=staff, now=clock(1)).status == Status.RESOLVED


def test_a_sev3_with_a_checklist_is_not_gated(outage, staff, clock):
    outage.severity = "sev3"
    outage.save(update_fields=["severity"])
    assert change_status(outage, Status.RESOLVED, actor=staff, now=clock(2)).status == Status.RESOLVED


def test_the_seeded_runbooks_carry_both_lists():
    for slug in ("chatwoot-down", "manual-fallback", "support-flow"):
        stages = set(Runbook.objects.get(slug=slug).checklist_items.values_list("stage", flat=True))
        assert stages == {Stage.RESTORE, Stage.POST_OUTAGE}


def test_the_ai_draft_path_reads_the_support_loop_check_and_only_a_person_queues_it(outage, clock, staff, connection):
    from apps.drafts import e2e_services
    from apps.drafts import services as drafts
    from apps.health.models import MonitorResult
    from tests.knowledge.factories import SourceFactory

    source = SourceFactory(tenant=connection.tenant, connection=connection)
    drafts.update_settings(source, by="tests", enabled=True)

    checklists.run_checklist(outage, now=clock(2))
    row = state(outage, "ai_draft_path")
    assert row.state == "waiting" and row.detail == "support: no run yet"
    assert not AuditEvent.objects.filter(action="drafts.support_loop_check").exists()

    checklists.run_checklist(outage, actor=staff, now=clock(3))
    assert state(outage, "ai_draft_path").detail == "support: no run yet; a new run is queued"
    assert AuditEvent.objects.filter(action="drafts.support_loop_check").count() == 1
    checklists.run_checklist(outage, actor=staff, now=clock(4))
    assert AuditEvent.objects.filter(action="drafts.support_loop_check").count() == 1  # one run on its way

    monitor = e2e_services.loop_monitor(connection.tenant)
    MonitorResult.objects.create(monitor=monitor, status="pass", ok=True, detail="6 steps passed", at=clock(5))
    checklists.run_checklist(outage, now=clock(6))
    row = state(outage, "ai_draft_path")
    assert row.state == "green" and "support loop passed at" in row.detail
