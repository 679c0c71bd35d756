"""`services.escalation.raise_level` is the one writer of `Incident.escalation_level`: it queues the
notifications under the row lock and nothing is sent before the transaction commits."""

import pytest
from django.core import mail

from apps.incidents.models import Incident, Notification, Status, TimelineEntry
from apps.incidents.services.escalation import raise_level
from tests.incidents.factories import at, make_incident, resolved

pytestmark = pytest.mark.django_db
Reason = Notification.Reason


def test_raising_the_level_queues_every_level_and_sends_only_after_commit(
    staff, roster, slack, django_capture_on_commit_callbacks
):
    incident = make_incident(staff, severity="sev1")
    Incident.objects.filter(pk=incident.pk).update(escalation_level=1)
    incident.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        rows = raise_level(incident, 3, Reason.ESCALATED, "still unresolved after 30 min.", now=at(30))
    assert {row.level for row in rows} == {2, 3}
    assert mail.outbox == [] and slack.messages == [], "nothing is sent while the incident row is locked"
    for callback in callbacks:
        callback()
    assert sorted(message.to[0] for message in mail.outbox) == ["carla@ops.test", "lars@ops.test"]
    assert Incident.objects.get(pk=incident.pk).escalation_level == 3
    entry = incident.timeline.get(kind=TimelineEntry.Kind.SYSTEM, text__startswith="Escalated to")
    assert entry.data == {"from": 1, "to": 3}


def test_raising_to_a_level_already_told_or_on_a_closed_incident_does_nothing(staff, roster):
    incident = make_incident(staff)
    Incident.objects.filter(pk=incident.pk).update(escalation_level=2)
    incident.refresh_from_db()
    assert raise_level(incident, 2, Reason.ESCALATED, "again") == []
    resolved(incident, staff, at(5))
    incident.refresh_from_db()
    assert incident.status == Status.RESOLVED
    assert raise_level(incident, 3, Reason.ESCALATED, "too late") == []
    assert Incident.objects.get(pk=incident.pk).escalation_level == 2
