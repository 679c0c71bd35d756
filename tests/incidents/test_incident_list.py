"""The incidents list puts open incidents first, the most severe on top, then the newest; the
console shows the runbook detection chose, "no data" when it cannot know, and what each linked
event carries."""

import pytest

from apps.events import emit
from apps.incidents import services
from apps.incidents.models import Status
from tests.incidents.factories import at, make_incident, resolved

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/incidents/incident/"


def listed(admin_client, query=""):
    return [incident.pk for incident in admin_client.get(CHANGELIST + query).context["cl"].result_list]


def test_open_incidents_sort_by_severity_then_time_and_closed_ones_after(admin_client, admin_user):
    sev3_new = make_incident(admin_user, severity="sev3", now=at(50))
    sev1_old = make_incident(admin_user, severity="sev1", now=at(0))
    sev2 = make_incident(admin_user, severity="sev2", now=at(30))
    sev1_new = make_incident(admin_user, severity="sev1", now=at(40))
    resolved_sev1 = resolved(make_incident(admin_user, severity="sev1", now=at(60)), admin_user, at(61))
    triaged_sev4 = services.change_status(
        make_incident(admin_user, severity="sev4", now=at(70)), Status.TRIAGED, actor=admin_user
    )

    assert listed(admin_client) == [sev1_new.pk, sev1_old.pk, sev2.pk, sev3_new.pk, triaged_sev4.pk, resolved_sev1.pk]


def test_a_column_header_still_sorts_by_that_column(admin_client, admin_user):
    first = make_incident(admin_user, severity="sev1", now=at(0))
    second = make_incident(admin_user, severity="sev3", now=at(10))

    detected = listed(admin_client, "?o=8")  # detected_at ascending
    assert detected.index(first.pk) < detected.index(second.pk)


def test_the_console_shows_the_chosen_runbook_no_data_and_what_linked_events_carry(admin_client, tenant):
    incident, _ = services.open_or_join(
        "health:connection:test",
        title="n8n: Alpha failing health checks",
        codes=["HEALTH_CHECK_FAILED"],
        tenant_ids=[tenant.pk],
        components=["n8n"],
        runbook="n8n-down",
        severity="sev3",
        detection_method="health_monitor",
    )
    before = admin_client.get(f"{CHANGELIST}{incident.pk}/change/").content.decode()
    assert 'id="evidence-summary" class="">No data: no event codes on this incident say what failed' in before

    event = emit("N8N_TIMEOUT", tenant=tenant, message="run had no callback", ticket=_ticket(tenant))
    page = admin_client.get(f"{CHANGELIST}{incident.pk}/change/").content.decode()

    assert (
        'id="chosen-runbook"><a href="#runbook-n8n-down">n8n down or timing out</a> (chosen from what failed)' in page
    )
    assert 'id="runbook-database-down"' not in page
    assert 'class="bad">Error rate NOT back to baseline (per 10 min): N8N_TIMEOUT 1 now vs 0 usual' in page
    assert f"/admin/events/systemevent/{event.pk}/change/" in page
    assert f'<a href="/admin/tickets/ticket/{event.meta["ticket_id"]}/change/">#{event.meta["ticket_id"]}</a>' in page


def _ticket(tenant):
    from tests.tickets.factories import make_ticket

    return make_ticket(tenant)
