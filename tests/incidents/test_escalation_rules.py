"""Escalation by role (the support runbook's contacts table): the engineering manager hears of a
sev1 at once, the support lead of a sev2 or worse after 10 minutes, the CEO of a sev1 after 15,
infrastructure of any incident about a self-hosted component at once. Each rule fires once per
incident, on open and in the every-minute beat pass; a role nobody holds shows as a failed row."""

import importlib
import threading
from datetime import timedelta

import pytest
from django.core import mail

from apps.core import db_context
from apps.health.models import HealthMonitor
from apps.incidents import escalation, services
from apps.incidents.models import (
    EscalationRule,
    EscalationRuleFiring,
    Level,
    Notification,
    OnCallEntry,
    Role,
    TimelineEntry,
)
from tests.incidents.factories import T0, at, make_incident, resolved

pytestmark = pytest.mark.django_db
SEED = importlib.import_module("apps.incidents.migrations.0016_seed_escalation_rules")
PEOPLE = {
    Role.SUPPORT_LEAD: "sam@ops.test",
    Role.ENGINEERING_MANAGER: "erin@ops.test",
    Role.CEO: "cleo@ops.test",
    Role.INFRASTRUCTURE: "ian@ops.test",
}


@pytest.fixture
def contacts_table(db):
    """The seeded rules (a transactional test elsewhere may have flushed the migration's rows)."""
    for name, role, floor, trigger, minutes in SEED.RULES:
        EscalationRule.objects.get_or_create(
            name=name, defaults={"role": role, "min_severity": floor, "trigger": trigger, "after_minutes": minutes}
        )
    return {rule.role: rule for rule in EscalationRule.objects.all()}


@pytest.fixture
def roles(db):
    """One person per role, holding level 3 (told by the policies only after 30 minutes)."""
    since = T0 - timedelta(days=1)
    return {
        role: OnCallEntry.objects.create(
            level=Level.INFRASTRUCTURE, role=role, name=f"{role} person", email=email, starts_at=since
        )
        for role, email in PEOPLE.items()
    }


def told(incident, role):
    return incident.notifications.filter(role=role, reason=Notification.Reason.RULE)


def roles_told(incident):
    return sorted(incident.notifications.filter(reason=Notification.Reason.RULE).values_list("role", flat=True))


def mailed():
    return sorted(address for message in mail.outbox for address in message.to if address in PEOPLE.values())


def chatwoot_incident(now=T0, severity="sev3"):
    incident, _ = services.open_or_join(
        "health:connection:7",
        title="Chatwoot of Alpha Rooms down",
        codes=["CHATWOOT_SYNC_FAILED"],
        severity=severity,
        components=["chatwoot"],
        now=now,
    )
    return incident


def test_a_sev1_tells_the_engineering_manager_at_once_the_support_lead_at_10_and_the_ceo_at_15(
    staff, contacts_table, roles, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        incident = make_incident(staff, severity="sev1")
    assert mailed() == ["erin@ops.test"]
    assert told(incident, Role.ENGINEERING_MANAGER).get().status == "sent"

    with django_capture_on_commit_callbacks(execute=True):
        escalation.escalate_due(now=at(9))
    assert mailed() == ["erin@ops.test"]
    with django_capture_on_commit_callbacks(execute=True):
        escalation.escalate_due(now=at(10))
        escalation.escalate_due(now=at(14))
    assert mailed() == ["erin@ops.test", "sam@ops.test"]
    with django_capture_on_commit_callbacks(execute=True):
        escalation.escalate_due(now=at(15))
        escalation.escalate_due(now=at(16))
    assert mailed() == ["cleo@ops.test", "erin@ops.test", "sam@ops.test"]
    assert told(incident, Role.INFRASTRUCTURE).count() == 0

    texts = list(incident.timeline.filter(kind=TimelineEntry.Kind.NOTIFICATION).values_list("text", flat=True))
    assert any(text.startswith("Engineering manager told: sev1 at once") for text in texts)
    assert any(text.startswith("Support lead told: sev1 unresolved after 10 min") for text in texts)
    assert any(text.startswith("CEO told: sev1 unresolved after 15 min") for text in texts)
    firing = incident.rule_firings.get(rule=contacts_table[Role.CEO])
    assert (firing.fired_at, firing.why) == (at(15), "sev1 unresolved after 15 min")


def test_a_sev3_tells_none_of_them(staff, contacts_table, roles, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incident = make_incident(staff, severity="sev3")
        escalation.escalate_due(now=at(60))
    assert mailed() == [] and not incident.rule_firings.exists()


def test_a_sev2_tells_the_support_lead_only(staff, contacts_table, roles, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incident = make_incident(staff, severity="sev2")
        escalation.escalate_due(now=at(59))
    assert mailed() == ["sam@ops.test"]
    assert list(incident.rule_firings.values_list("rule__role", flat=True)) == [Role.SUPPORT_LEAD]


def test_an_incident_about_chatwoot_tells_infrastructure_at_once(
    contacts_table, roles, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        incident = chatwoot_incident()
    assert mailed() == ["ian@ops.test"]
    assert incident.rule_firings.get().why == "self-hosted chatwoot down (sev3)"
    assert "Infrastructure: self-hosted chatwoot down (sev3)." in mail.outbox[0].body


def test_a_component_rule_with_a_delay_waits_for_it(contacts_table, roles, django_capture_on_commit_callbacks):
    EscalationRule.objects.filter(role=Role.INFRASTRUCTURE).update(after_minutes=5)
    with django_capture_on_commit_callbacks(execute=True):
        incident = chatwoot_incident()
        escalation.escalate_due(now=at(4))
        assert mailed() == []
        escalation.escalate_due(now=at(5))
    assert mailed() == ["ian@ops.test"]
    assert incident.rule_firings.get().why == "self-hosted chatwoot down (sev3, open 5 min)"


def test_an_incident_about_a_provider_we_do_not_run_does_not_tell_infrastructure(
    tenant, contacts_table, roles, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.open_or_join(
            "spike:META_SEND_FAIL", title="Meta failing", codes=["META_SEND_FAIL"], tenant_ids=[tenant.pk], now=T0
        )
        escalation.escalate_due(now=at(1))
    assert mailed() == [] and not EscalationRuleFiring.objects.exists()


def test_a_down_monitor_of_a_self_hosted_component_tells_infrastructure(
    staff, contacts_table, roles, django_capture_on_commit_callbacks
):
    incident = make_incident(staff, severity="sev3", title="Everything is slow")
    HealthMonitor.objects.create(
        key="redis",
        name="Redis",
        kind="redis",
        check_name="redis",
        is_platform=True,
        state="failing",
        incident=incident,
    )
    assert escalation.escalate_due(now=at(1))["rules_fired"] == 0
    HealthMonitor.objects.filter(key="redis").update(state=HealthMonitor.State.DOWN)
    with django_capture_on_commit_callbacks(execute=True):
        result = escalation.escalate_due(now=at(2))
    assert result["rules_fired"] == 1 and mailed() == ["ian@ops.test"]
    assert incident.rule_firings.get().why == "self-hosted redis down (sev3)"


def test_a_rule_narrowed_to_some_components_ignores_the_others(
    staff, contacts_table, roles, django_capture_on_commit_callbacks
):
    EscalationRule.objects.filter(role=Role.INFRASTRUCTURE).update(components=["database"])
    with django_capture_on_commit_callbacks(execute=True):
        chatwoot_incident()
    assert mailed() == []


def test_each_rule_fires_once_however_often_the_beat_runs(
    staff, contacts_table, roles, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        incident = make_incident(staff, severity="sev1")
        for minute in (15, 16, 17, 29):
            escalation.escalate_due(now=at(minute))
    assert incident.rule_firings.count() == 3
    assert mailed() == ["cleo@ops.test", "erin@ops.test", "sam@ops.test"]


def test_nobody_in_a_role_leaves_a_failed_row_on_the_incident(staff, contacts_table, roles):
    roles[Role.ENGINEERING_MANAGER].delete()
    incident = make_incident(staff, severity="sev1")

    row = told(incident, Role.ENGINEERING_MANAGER).get()
    assert (row.status, row.recipient, row.level) == ("failed", "(nobody in this role)", None)
    assert "Nobody holds the role Engineering manager" in row.error
    assert incident.timeline.filter(text__startswith="Engineering manager not told (sev1 at once)").exists()
    assert incident.rule_firings.count() == 1, "it fired: the gap is recorded once, not retried every minute"


def test_a_role_whose_shift_ended_is_nobody(staff, contacts_table, roles):
    OnCallEntry.objects.filter(role=Role.ENGINEERING_MANAGER).update(ends_at=T0 - timedelta(minutes=1))
    incident = make_incident(staff, severity="sev1")
    assert told(incident, Role.ENGINEERING_MANAGER).get().status == "failed"


def test_raising_the_severity_later_makes_the_higher_rules_due(
    staff, contacts_table, roles, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        incident = make_incident(staff, severity="sev3")
        escalation.escalate_due(now=at(20))
        assert mailed() == []
        services.change_severity(incident, "sev1", actor=staff, reason="all tenants down", now=at(21))
        escalation.escalate_due(now=at(21))
    assert mailed() == ["cleo@ops.test", "erin@ops.test", "sam@ops.test"]


def test_raising_the_severity_fires_the_rules_now_due_at_once_and_a_later_pass_not_again(
    staff, contacts_table, roles, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        incident = make_incident(staff, severity="sev3")
        services.change_severity(incident, "sev1", actor=staff, reason="all tenants down", now=at(5))
    assert mailed() == ["erin@ops.test"]
    assert told(incident, Role.ENGINEERING_MANAGER).get().status == "sent"
    assert incident.rule_firings.get().fired_at == at(5)

    with django_capture_on_commit_callbacks(execute=True):
        escalation.escalate_due(now=at(6))
    assert mailed() == ["erin@ops.test"]
    assert told(incident, Role.ENGINEERING_MANAGER).count() == 1


def test_lowering_the_severity_fires_nothing(staff, contacts_table, roles, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incident = make_incident(staff, severity="sev2")
        services.change_severity(incident, "sev3", actor=staff, reason="one tenant only", now=at(30))
    assert mailed() == [] and not incident.rule_firings.exists()


def test_nothing_fires_for_a_resolved_incident(staff, contacts_table, roles, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incident = make_incident(staff, severity="sev2")
        resolved(incident, staff, at(5))
        escalation.escalate_due(now=at(60))
    assert mailed() == [] and not incident.rule_firings.exists()


def test_an_unacknowledged_rule_stops_once_someone_acknowledges(staff, roles, django_capture_on_commit_callbacks):
    EscalationRule.objects.create(
        name="Support lead: unacknowledged sev2 after 3 min",
        role=Role.SUPPORT_LEAD,
        min_severity="sev2",
        trigger=EscalationRule.Trigger.UNACKNOWLEDGED,
        after_minutes=3,
    )
    with django_capture_on_commit_callbacks(execute=True):
        quiet = make_incident(staff, severity="sev2", title="Acknowledged in time")
        loud = make_incident(staff, severity="sev2", title="Nobody looked", codes=["WAHA_SEND_FAIL"])
        services.acknowledge(quiet, actor=staff, now=at(2))
        escalation.escalate_due(now=at(3))
    assert not quiet.rule_firings.exists()
    assert loud.rule_firings.get().why == "sev2 unacknowledged after 3 min"
    assert mailed() == ["sam@ops.test"]


def test_an_inactive_rule_never_fires(staff, contacts_table, roles):
    EscalationRule.objects.update(is_active=False)
    incident = make_incident(staff, severity="sev1")
    escalation.escalate_due(now=at(60))
    assert not incident.rule_firings.exists()


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_beat_passes_at_once_fire_each_rule_once(staff, contacts_table, roles):
    """Two workers run the beat pass at the same moment on PostgreSQL: the incident's row lock (and
    the unique firing) lets each rule tell its role once."""
    from django.db import connection

    incidents = [make_incident(staff, severity="sev1", title=f"Outage {n}") for n in (1, 2)]
    EscalationRuleFiring.objects.all().delete()
    Notification.objects.filter(reason=Notification.Reason.RULE).delete()
    mail.outbox.clear()
    barrier, results = threading.Barrier(2), []

    def beat():
        barrier.wait()
        try:
            with db_context.platform_context():  # a thread starts with no context; the beat job acts so
                results.append(escalation.escalate_due(now=at(20))["rules_fired"])
        finally:
            connection.close()

    threads = [threading.Thread(target=beat) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(results) == 6, results
    for incident in incidents:
        assert incident.rule_firings.count() == 3
        assert roles_told(incident) == [Role.CEO, Role.ENGINEERING_MANAGER, Role.SUPPORT_LEAD]
    assert sorted(mailed()) == sorted(["cleo@ops.test", "erin@ops.test", "sam@ops.test"] * 2)
