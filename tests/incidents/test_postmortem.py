"""Postmortems (after resolution, complete, due in 24 hours, overdue after) and follow-up tasks."""

import pytest

from apps.core.errors import ServiceError
from apps.incidents import services
from apps.incidents.models import Incident
from tests.factories import UserFactory
from tests.incidents.factories import at, make_incident, postmortem, resolved

pytestmark = pytest.mark.django_db


def test_the_postmortem_keeps_the_timeline_duration_and_detection(staff):
    incident = make_incident(staff, severity="sev1")
    services.change_status(incident, "triaged", actor=staff, now=at(4))
    incident = resolved(incident, staff, at(50))

    written = postmortem(incident, staff, at(60))

    assert written.duration_minutes == 50
    assert written.detection == "Manual at 2026-11-23 09:00 UTC; acknowledged after 4.0 min"
    texts = [row["text"] for row in written.timeline_snapshot]
    assert texts[0] == "Opened by hand: Sends failing" and "Status detected → triaged" in texts
    assert written.author == staff
    assert incident.timeline.filter(text="Postmortem written", data__late=False).exists()


def test_rewriting_updates_the_one_postmortem(staff):
    incident = resolved(make_incident(staff), staff, at(30))
    postmortem(incident, staff, at(40))
    again = postmortem(incident, staff, at(45), root_cause="Actually: the app secret rotated")
    assert again.root_cause == "Actually: the app secret rotated" and again.written_at == at(40)
    assert incident.timeline.filter(text="Postmortem updated").exists()


def test_a_postmortem_waits_for_resolution(staff):
    incident = make_incident(staff)
    with pytest.raises(ServiceError) as refused:
        postmortem(incident, staff, at(5))
    assert refused.value.code == "not_resolved"


def test_an_incomplete_postmortem_names_what_is_missing(staff):
    incident = resolved(make_incident(staff), staff, at(30))
    with pytest.raises(ServiceError) as refused:
        postmortem(incident, staff, at(40), root_cause=" ", preventive_actions="")
    assert refused.value.message == "The postmortem needs root cause, preventive actions."
    assert not Incident.objects.get(pk=incident.pk).has_postmortem


def test_the_postmortem_is_due_a_day_after_resolution_and_then_overdue(staff):
    incident = resolved(make_incident(staff), staff, at(30))
    assert incident.postmortem_due_at == at(30, hours=24)
    assert not incident.postmortem_overdue(at(30, hours=23))
    assert incident.postmortem_overdue(at(31, hours=24))
    assert list(Incident.objects.postmortem_overdue(at(31, hours=24))) == [incident]

    written = postmortem(incident, staff, at(0, hours=30))
    incident.refresh_from_db()
    assert not incident.postmortem_overdue(at(0, hours=48)) and written.pk
    assert incident.timeline.filter(text="Postmortem written", data__late=True).exists()
    assert not Incident.objects.postmortem_overdue(at(0, hours=48)).exists()


def test_follow_ups_are_added_and_done(staff):
    incident = make_incident(staff)
    task = services.add_follow_up(
        incident, actor=staff, title="Alert on token age", assignee=staff, due_on=at(0, days=7).date()
    )
    services.complete_follow_up(task, actor=staff, now=at(60))
    task.refresh_from_db()
    assert task.done and task.done_at == at(60)
    texts = list(incident.timeline.values_list("text", flat=True))
    assert "Follow-up added: Alert on token age (assignee oncall-1, due 2026-11-30)" in texts
    assert "Follow-up done: Alert on token age" in texts
    with pytest.raises(ServiceError):
        services.complete_follow_up(task, actor=staff)


def test_follow_ups_need_a_title_and_a_staff_assignee(staff):
    incident = make_incident(staff)
    with pytest.raises(ServiceError) as refused:
        services.add_follow_up(incident, actor=staff, title=" ")
    assert refused.value.code == "empty_title"
    with pytest.raises(ServiceError) as refused:
        services.add_follow_up(incident, actor=staff, title="x", assignee=UserFactory())
    assert refused.value.code == "invalid_assignee"
