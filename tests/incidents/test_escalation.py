"""Escalation and notification: new incidents tell level 1 by email and Slack; the beat job tells
level 2 when the acknowledgement deadline passes and levels 2 and 3 when sev1 stays unresolved;
every notification sent or failed is recorded on the incident and its timeline."""

import pytest
from django.core import mail

from apps.incidents import escalation, services
from apps.incidents.models import EscalationPolicy, Notification, OnCallEntry, Status, TimelineEntry
from apps.jobs import services as job_services
from tests.incidents.factories import T0, at, make_incident

pytestmark = pytest.mark.django_db


def spike(tenant, now=T0, code="META_SEND_FAIL"):
    return services.open_or_join(
        f"spike:{code}", title=f"{code} spiking", codes=[code], tenant_ids=[tenant.pk], now=now
    )


def sent(incident, level):
    return incident.notifications.filter(level=level, status=Notification.State.SENT)


def test_the_data_migration_seeds_the_policies_of_the_issue():
    sev1 = EscalationPolicy.objects.get(severity="sev1")
    assert (sev1.acknowledge_within_minutes, sev1.level2_after_minutes, sev1.level3_after_minutes) == (5, 10, 30)
    assert set(EscalationPolicy.objects.values_list("severity", flat=True)) == {"sev1", "sev2", "sev3", "sev4"}


def test_an_automatic_incident_notifies_level_one_by_email_and_slack(
    tenant, roster, slack, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        incident, created = spike(tenant)

    assert created
    assert [message.to for message in mail.outbox] == [["olga@ops.test"]]
    assert "META_SEND_FAIL spiking" in mail.outbox[0].subject
    assert len(slack.messages) == 1 and f"Incident #{incident.pk}" in slack.messages[0]
    assert sent(incident, 1).count() == 2 and incident.notifications.count() == 2
    incident.refresh_from_db()
    assert incident.escalation_level == 1
    texts = list(incident.timeline.filter(kind=TimelineEntry.Kind.NOTIFICATION).values_list("text", flat=True))
    assert any(text.startswith("Email to olga@ops.test sent") for text in texts)
    assert any(text.startswith("Slack to http://127.0.0.1") and "sent" in text for text in texts)


def test_joining_an_open_incident_notifies_nobody_again(
    tenant, other_tenant, roster, slack, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        incident, _ = spike(tenant)
        again, created = spike(other_tenant, now=at(1))

    assert not created and again.pk == incident.pk
    assert incident.notifications.count() == 2 and len(mail.outbox) == 1
    assert incident.timeline.filter(text="1 more tenant(s) affected").exists()


def test_level_two_is_told_when_the_acknowledgement_deadline_passes(
    tenant, roster, slack, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        incident, _ = spike(tenant)  # META_SEND_FAIL is an error: sev2
        early = escalation.escalate_due(now=at(4))
        due = escalation.escalate_due(now=at(5))

    assert early["escalated"] == 0 and due["escalated"] == 1
    assert [message.to for message in mail.outbox] == [["olga@ops.test"], ["lars@ops.test"]]
    assert "not acknowledged within 5 min" in mail.outbox[1].body
    assert sent(incident, 2).get().recipient == "lars@ops.test"
    assert incident.timeline.filter(kind=TimelineEntry.Kind.SYSTEM, text__startswith="Escalated to Level 2").exists()


def test_an_acknowledged_incident_is_not_escalated_for_the_deadline(
    tenant, roster, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        incident, _ = spike(tenant)
        services.acknowledge(incident, actor=staff, now=at(3))
        result = escalation.escalate_due(now=at(6))

    assert result["escalated"] == 0 and not incident.notifications.filter(level=2).exists()
    incident.refresh_from_db()
    assert incident.owner == staff and incident.acknowledged_at == at(3)


def test_a_sev1_still_unresolved_reaches_level_two_at_ten_and_level_three_at_thirty(
    tenant, roster, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        incident = make_incident(staff, severity="sev1", tenants=[tenant])
        services.acknowledge(incident, actor=staff, now=at(2))
        at_nine = escalation.escalate_due(now=at(9))
        at_ten = escalation.escalate_due(now=at(10))
        at_twenty_nine = escalation.escalate_due(now=at(29))
        at_thirty = escalation.escalate_due(now=at(30))

    assert [at_nine["escalated"], at_ten["escalated"], at_twenty_nine["escalated"], at_thirty["escalated"]] == [
        0,
        1,
        0,
        1,
    ]
    assert [message.to[0] for message in mail.outbox] == ["olga@ops.test", "lars@ops.test", "carla@ops.test"]
    assert "still unresolved after 30 min" in mail.outbox[2].body


def test_a_late_job_tells_every_level_it_skipped(tenant, roster, staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incident = make_incident(staff, severity="sev1", tenants=[tenant])
        escalation.escalate_due(now=at(45))

    assert [message.to[0] for message in mail.outbox] == ["olga@ops.test", "lars@ops.test", "carla@ops.test"]
    assert set(incident.notifications.filter(rule=None).values_list("level", flat=True)) == {1, 2, 3}


def test_resolved_incidents_do_not_escalate(tenant, roster, staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incident = make_incident(staff, severity="sev1", tenants=[tenant])
        services.change_status(incident, Status.RESOLVED, actor=staff, now=at(3))
        result = escalation.escalate_due(now=at(60))

    assert result == {"checked": 0, "escalated": 0, "notifications": 0, "rules_fired": 0}
    assert set(incident.notifications.filter(rule=None).values_list("level", flat=True)) == {1}


def test_the_beat_job_escalates_each_level_once_however_often_it_runs(
    tenant, roster, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        incident, _ = spike(tenant, now=at(-20))
        first = job_services.run_job("incidents.escalate")
        second = job_services.run_job("incidents.escalate")

    assert first.status == "succeeded" and first.counts["escalated"] == 1
    assert second.counts["escalated"] == 0
    assert incident.notifications.filter(level=2).count() == 1


def test_nobody_on_the_roster_is_recorded_as_a_failed_notification(tenant, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incident, _ = spike(tenant)

    failed = incident.notifications.get()
    assert failed.status == Notification.State.FAILED and "Nobody holds Level 1" in failed.error
    assert incident.timeline.filter(kind=TimelineEntry.Kind.NOTIFICATION, text__contains="not notified").exists()


def test_only_the_people_holding_a_level_now_are_told(tenant, roster, django_capture_on_commit_callbacks):
    OnCallEntry.objects.create(level=1, name="Past shift", email="past@ops.test", starts_at=at(-3000), ends_at=at(-60))
    OnCallEntry.objects.create(level=1, name="Next shift", email="next@ops.test", starts_at=at(60))
    with django_capture_on_commit_callbacks(execute=True):
        spike(tenant)

    assert [message.to for message in mail.outbox] == [["olga@ops.test"]]


def test_the_team_channel_webhook_gets_every_notification_too(
    tenant, roster, slack, settings, django_capture_on_commit_callbacks
):
    settings.SLACK_WEBHOOK_URL = slack.webhook_url
    with django_capture_on_commit_callbacks(execute=True):
        incident, _ = spike(tenant)

    assert len(slack.messages) == 2
    assert incident.notifications.filter(channel="slack", on_call_entry__isnull=True).get().status == "sent"


def test_sev4_policy_tells_nobody(tenant, roster, staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incident = make_incident(staff, severity="sev4", tenants=[tenant])
        escalation.escalate_due(now=at(120))

    assert not incident.notifications.exists() and not mail.outbox
