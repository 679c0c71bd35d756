""" "Run checks" on an incident runs its runbooks' checks (apps.health.checks) for the affected
tenants and attaches each result to the timeline as evidence."""

import pytest
from django.contrib.messages import get_messages

from apps.core.errors import ServiceError
from apps.incidents import runbooks, services
from apps.incidents.services.checks import latest_results
from tests.incidents.factories import make_incident

pytestmark = pytest.mark.django_db
META_TOKEN_CHECKS = ["connection_meta_token", "tenant_switches", "tenant_usage", "queue_depth", "outbound_sending"]


@pytest.fixture
def incident(staff, tenant):
    return make_incident(
        staff, title="Meta token expired", severity="sev1", codes=["META_TOKEN_EXPIRED"], tenants=[tenant]
    )


def test_run_checks_attaches_each_runbook_check_to_the_timeline(incident, staff):
    assert runbooks.checks_for(incident) == META_TOKEN_CHECKS

    entries = services.run_checks(incident, actor=staff)

    assert [entry.data["name"] for entry in entries] == META_TOKEN_CHECKS
    for entry in entries:
        assert entry.kind == "check" and entry.author == staff
        assert entry.data["status"] in ("pass", "fail", "skip")
        assert {"name", "status", "value", "detail"} <= set(entry.data)
        assert entry.text.startswith(f"Check {entry.data['name']}")
    assert [entry.pk for entry in latest_results(incident)] == [entry.pk for entry in entries]


def test_a_check_needing_a_connection_the_tenant_lacks_says_so(incident, staff):
    meta = next(
        entry for entry in services.run_checks(incident, actor=staff) if entry.data["name"] == "connection_meta_token"
    )
    assert meta.data["status"] == "skip" and meta.data["detail"]


def test_running_again_keeps_both_runs_and_shows_the_latest(incident, staff):
    services.run_checks(incident, actor=staff)
    second = services.run_checks(incident, actor=staff)
    assert incident.timeline.filter(kind="check").count() == 2 * len(META_TOKEN_CHECKS)
    assert [entry.pk for entry in latest_results(incident)] == [entry.pk for entry in second]


def test_an_incident_without_a_runbook_check_is_refused(staff):
    with pytest.raises(ServiceError) as refused:
        services.run_checks(make_incident(staff, codes=()), actor=staff)
    assert refused.value.code == "no_checks"


def test_run_checks_from_the_admin_console(admin_client, incident):
    response = admin_client.post(f"/admin/incidents/incident/{incident.pk}/act/run-checks/", follow=True)
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert message.startswith(f"Ran {len(META_TOKEN_CHECKS)} check(s)")
    page = admin_client.get(f"/admin/incidents/incident/{incident.pk}/change/").content.decode()
    assert "No checks have run on this incident yet." not in page and "connection_meta_token" in page


def test_run_checks_over_the_api(operator_api, incident):
    response = operator_api.post(f"/api/v1/incidents/{incident.pk}/checks/")
    assert response.status_code == 201
    assert [row["data"]["name"] for row in response.json()] == META_TOKEN_CHECKS
