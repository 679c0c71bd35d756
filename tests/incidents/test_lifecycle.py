"""Status transitions (one function decides them), the times they stamp, and the owner, severity,
note and details changes — each written to the timeline and the audit log."""

import pytest

from apps.core.errors import ServiceError
from apps.events.models import AuditEvent
from apps.incidents import services
from apps.incidents.models import Incident, Status, TimelineEntry
from apps.incidents.services.lifecycle import TRANSITIONS
from tests.factories import StaffFactory, UserFactory
from tests.incidents.factories import T0, at, make_incident, postmortem, resolved
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db


def kinds(incident):
    return list(incident.timeline.values_list("kind", flat=True))


def test_the_full_lifecycle_stamps_each_time(staff, tenant):
    incident = make_incident(staff, severity="sev3", tenants=[tenant])
    for minutes, status in ((2, "triaged"), (7, "mitigating"), (30, "resolved"), (90, "closed")):
        incident = services.change_status(incident, status, actor=staff, now=at(minutes))

    assert (incident.acknowledged_at, incident.mitigated_at, incident.resolved_at, incident.closed_at) == (
        at(2),
        at(7),
        at(30),
        at(90),
    )
    assert incident.duration().total_seconds() == 30 * 60
    assert [e.text for e in incident.timeline.filter(kind="status")] == [
        "Status detected → triaged",
        "Status triaged → mitigating",
        "Status mitigating → resolved",
        "Status resolved → closed",
    ]
    assert AuditEvent.objects.filter(action="incident.status_changed").count() == 4


@pytest.mark.parametrize("start,target", [("detected", "closed"), ("closed", "triaged"), ("triaged", "detected")])
def test_moves_the_lifecycle_does_not_allow_are_refused(staff, start, target):
    incident = make_incident(staff, severity="sev3")
    Incident.objects.filter(pk=incident.pk).update(status=start)
    incident.refresh_from_db()

    with pytest.raises(ServiceError) as refused:
        services.change_status(incident, target, actor=staff)

    assert refused.value.code == "invalid_transition"
    assert f"cannot become {target}" in refused.value.message
    assert Incident.objects.get(pk=incident.pk).status == start


def test_every_status_has_its_allowed_moves():
    assert set(TRANSITIONS) == set(Status.values)
    assert TRANSITIONS[Status.CLOSED] == ()


@pytest.mark.parametrize("severity", ["sev1", "sev2"])
def test_a_sev1_or_sev2_cannot_close_without_a_postmortem(staff, severity):
    incident = resolved(make_incident(staff, severity=severity), staff, at(20))

    with pytest.raises(ServiceError) as refused:
        services.change_status(incident, Status.CLOSED, actor=staff, now=at(30))

    assert refused.value.code == "postmortem_required"
    assert f"A {severity} incident cannot be closed without a postmortem" in refused.value.message
    assert Incident.objects.get(pk=incident.pk).status == Status.RESOLVED

    postmortem(incident, staff, at(40))
    assert services.change_status(incident, Status.CLOSED, actor=staff, now=at(41)).status == Status.CLOSED


def test_a_sev3_closes_without_a_postmortem(staff):
    incident = resolved(make_incident(staff, severity="sev3"), staff, at(20))
    assert services.change_status(incident, Status.CLOSED, actor=staff, now=at(21)).closed_at == at(21)


def test_reopening_clears_the_resolution(staff):
    incident = resolved(make_incident(staff, severity="sev3"), staff, at(20))
    incident = services.change_status(incident, Status.TRIAGED, actor=staff, note="came back", now=at(25))
    assert incident.resolved_at is None and incident.is_open
    assert incident.timeline.filter(text="Status resolved → triaged: came back").exists()


def test_reopening_is_refused_when_a_newer_incident_covers_the_same_key(staff, tenant):
    first, _ = services.open_or_join("spike:N8N_TIMEOUT", title="Spike", codes=["N8N_TIMEOUT"], now=T0)
    services.change_status(first, Status.RESOLVED, actor=staff, now=at(10))
    services.open_or_join("spike:N8N_TIMEOUT", title="Spike again", codes=["N8N_TIMEOUT"], now=at(20))

    with pytest.raises(ServiceError) as refused:
        services.change_status(first, Status.TRIAGED, actor=staff, now=at(30))
    assert refused.value.code == "duplicate_open_incident"


def test_resolving_records_the_recovery_evidence_and_the_sla_breaches(staff, tenant):
    incident = make_incident(staff, severity="sev3", tenants=[tenant])
    ticket = make_ticket(tenant)
    services.link_ticket(incident, ticket, actor=staff)
    ticket.refresh_from_db()
    type(ticket).objects.filter(pk=ticket.pk).update(first_response_breached_at=at(5), resolution_breached_at=at(6))

    incident = resolved(incident, staff, at(20))

    assert incident.sla_breaches == 2
    recovery = incident.timeline.get(kind=TimelineEntry.Kind.RECOVERY)
    assert recovery.text.startswith("No data: no META_SEND_FAIL events")  # none before, during or since
    assert recovery.data["back_to_baseline"] is None


def test_acknowledging_takes_ownership_once(staff, oncall):
    incident = make_incident(staff, severity="sev2")
    incident.owner = None
    incident.save()
    incident = services.acknowledge(incident, actor=oncall, now=at(3))
    assert incident.owner == oncall and incident.acknowledged_at == at(3)
    assert incident.timeline.filter(kind="owner", text="Acknowledged by oncall-2 after 3.0 min").exists()

    with pytest.raises(ServiceError) as refused:
        services.acknowledge(incident, actor=staff)
    assert refused.value.code == "already_acknowledged"


def test_owner_must_be_active_staff(staff, oncall):
    incident = make_incident(staff)
    assert services.assign_owner(incident, oncall, actor=staff).owner == oncall
    assert incident.timeline.filter(kind="owner", text="Owner oncall-1 → oncall-2").exists()

    with pytest.raises(ServiceError) as refused:
        services.assign_owner(incident, UserFactory(username="guest@example.test"), actor=staff)
    assert refused.value.code == "invalid_owner"
    with pytest.raises(ServiceError):
        services.assign_owner(incident, StaffFactory(username="gone", is_active=False), actor=staff)


def test_severity_changes_are_on_the_timeline_and_audited(staff):
    incident = make_incident(staff, severity="sev3")
    incident = services.change_severity(incident, "sev1", actor=staff, reason="all tenants now")
    assert incident.severity == "sev1"
    assert incident.timeline.filter(kind="severity", text="Severity sev3 → sev1: all tenants now").exists()
    assert AuditEvent.objects.get(action="incident.severity_changed").after == {"severity": "sev1"}
    with pytest.raises(ServiceError) as refused:
        services.change_severity(incident, "sev9", actor=staff)
    assert refused.value.code == "invalid_severity"


def test_notes_need_text(staff):
    incident = make_incident(staff)
    entry = services.add_note(incident, "Meta status page shows degraded", actor=staff)
    assert (entry.kind, entry.author) == ("note", staff)
    with pytest.raises(ServiceError) as refused:
        services.add_note(incident, "   ", actor=staff)
    assert refused.value.code == "empty_note"


def test_details_change_only_what_changed(staff):
    incident = make_incident(staff)
    incident = services.update_details(
        incident, actor=staff, impact="Guests get no confirmations", affected_conversations=42, title=incident.title
    )
    assert (incident.impact, incident.affected_conversations) == ("Guests get no confirmations", 42)
    assert incident.timeline.filter(text="Details changed: affected_conversations, impact").exists()
    with pytest.raises(ServiceError) as refused:
        services.update_details(incident, actor=staff, escalation_level=3)
    assert refused.value.code == "invalid_field"


def test_a_linked_ticket_goes_through_the_tickets_service(staff, tenant):
    incident = make_incident(staff)
    ticket = services.link_ticket(incident, make_ticket(tenant), actor=staff)
    assert list(incident.tickets.all()) == [ticket]
    assert tenant in incident.affected_tenants.all()
    assert AuditEvent.objects.filter(action="ticket.incident_linked").exists()


def test_every_new_incident_starts_its_timeline(staff, tenant):
    incident = make_incident(staff, tenants=[tenant])
    automatic, _ = services.open_or_join(
        "alert:7", title="Alert: webhooks", codes=["ALERT_RULE_TRANSITION"], detection_method="alert_rule"
    )
    assert kinds(incident)[0] == "system" and incident.timeline.first().text == "Opened by hand: Sends failing"
    assert automatic.timeline.first().text == "Opened by alert rule: Alert: webhooks"


def test_a_manual_incident_refuses_unknown_codes(staff):
    with pytest.raises(ServiceError) as refused:
        make_incident(staff, codes=["NOT_A_CODE"])
    assert refused.value.code == "unknown_codes"
    assert not Incident.objects.exists()


def test_add_timeline_entry_is_the_public_way_in(staff):
    incident = make_incident(staff)
    entry = services.add_timeline_entry(
        incident, "recovery", "Chatwoot healthy again", data={"latency_ms": 120, "at": T0}
    )
    assert entry.data == {"latency_ms": 120, "at": "2026-11-23T09:00:00Z"}
    with pytest.raises(ServiceError):
        services.add_timeline_entry(incident, "gossip", "nope")


def test_resolving_counts_the_affected_tenants_conversations_during_the_incident(staff, tenant, other_tenant):
    from tests.integrations.factories import ConversationMessageFactory

    incident = make_incident(staff, severity="sev3", tenants=[tenant])
    during = [ConversationMessageFactory(tenant=tenant, sent_at=at(minutes)) for minutes in (1, 5, 9)]
    ConversationMessageFactory(tenant=tenant, conversation=during[0].conversation, sent_at=at(2))
    ConversationMessageFactory(tenant=tenant, sent_at=at(-30))
    ConversationMessageFactory(tenant=other_tenant, sent_at=at(3))

    incident = resolved(incident, staff, at(10))

    assert incident.affected_conversations == 3
