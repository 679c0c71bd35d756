"""The internal summary: on resolution, the configured managers get the incident report with the
fields the postmortem holds (start, detection method and time, root cause, resolution steps,
duration, affected conversations, SLA breaches)."""

import pytest

from apps.comms.services import summary
from apps.incidents import services
from apps.incidents.models import Status
from tests.comms.conftest import MANAGERS, sent_to
from tests.incidents.factories import at, make_incident, postmortem

pytestmark = pytest.mark.django_db


def test_the_managers_get_the_report_on_resolution(staff, tenant, committed):
    with committed():
        incident = make_incident(staff, tenants=[tenant], root_cause_hypothesis="Expired Meta token")
        services.update_details(incident, actor=staff, affected_conversations=42, sla_breaches=3)
        services.add_note(incident, "Rotated the token", actor=staff, now=at(20))
        services.change_status(incident, Status.RESOLVED, actor=staff, now=at(95), note="Sends flow again")

    for address in MANAGERS:
        [message] = sent_to(address)
        assert message.subject == f"[Incident summary] #{incident.pk} resolved: Sends failing"
        body = message.body
        assert "Started: 2026-11-23 09:00 UTC" in body
        assert "Detection: Manual at 2026-11-23 09:00 UTC" in body
        assert "Root cause: Expired Meta token (hypothesis: no postmortem yet)" in body
        assert "09:20 UTC Rotated the token" in body and "On resolution: Sends flow again" in body
        assert "Duration: 1 h 35 min" in body
        assert "Affected conversations: 42" in body and "SLA breaches: 3" in body
        assert "Affected tenants: Alpha Rooms" in body
    assert incident.timeline.filter(text__contains="internal summary to 2 manager(s)").exists()


def test_the_postmortem_text_wins_once_written(staff):
    incident = make_incident(staff)
    services.change_status(incident, Status.RESOLVED, actor=staff, now=at(30))
    postmortem(incident, staff, at(40), root_cause="Token expired", resolution_steps="New token issued")
    incident.refresh_from_db()
    report = dict(summary.report(incident))
    assert (report["Root cause"], report["Resolution steps"]) == ("Token expired", "New token issued")


def test_without_a_list_the_timeline_says_no_summary_went(staff, committed, settings):
    settings.INCIDENT_SUMMARY_RECIPIENTS = []
    with committed():
        incident = make_incident(staff)
        services.change_status(incident, Status.RESOLVED, actor=staff)
    assert incident.timeline.filter(
        text__contains="no internal summary (INCIDENT_SUMMARY_RECIPIENTS is empty)"
    ).exists()
