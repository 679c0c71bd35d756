"""Incidents and n8n automation runs: runs come with the events that name them, or are linked by
hand from the console; the API shows them."""

import pytest
from django.contrib.messages import get_messages

from apps.events import emit
from apps.incidents import services
from apps.incidents.models import TimelineEntry
from apps.integrations.models import AutomationRun, Bot
from tests.incidents.factories import make_incident

pytestmark = pytest.mark.django_db


def timed_out_run(tenant):
    bot = Bot.objects.create(tenant=tenant, name="Concierge", workflow_path="webhook/concierge")
    return AutomationRun.objects.create(
        tenant=tenant, bot=bot, status=AutomationRun.Status.TIMEOUT, error="No callback within 300 s"
    )


def test_runs_named_by_the_detected_events_join_the_incident(tenant):
    run = timed_out_run(tenant)
    event = emit("N8N_TIMEOUT", tenant=tenant, message="Run timed out", automation_run=run)
    unrelated = emit("N8N_TIMEOUT", tenant=tenant, message="No run attached")

    incident, _ = services.open_or_join(
        "spike:N8N_TIMEOUT",
        title="n8n timeouts",
        codes=["N8N_TIMEOUT"],
        tenant_ids=[tenant.pk],
        event_ids=[event.pk, unrelated.pk],
    )

    assert list(incident.automation_runs.all()) == [run]
    assert list(run.incidents.all()) == [incident]


def test_an_incident_opened_from_selected_events_links_their_runs(admin_user, tenant):
    run = timed_out_run(tenant)
    event = emit("N8N_TIMEOUT", tenant=tenant, message="Run timed out", automation_run=run)

    incident = services.open_from_events([event], actor=admin_user)

    assert list(incident.automation_runs.all()) == [run]


def test_a_run_is_linked_by_hand_from_the_console_and_written_to_the_timeline(
    admin_client, admin_user, tenant, other_tenant
):
    incident = make_incident(admin_user, codes=["N8N_TIMEOUT"], tenants=[tenant])
    run = timed_out_run(other_tenant)
    url = f"/admin/incidents/incident/{incident.pk}/act/link-run/"

    response = admin_client.post(url, {"run": run.pk}, follow=True)
    again = admin_client.post(url, {"run": run.pk}, follow=True)
    missing = admin_client.post(url, {"run": 999999}, follow=True)

    assert [str(m) for m in get_messages(response.wsgi_request)] == [f"Automation run #{run.pk} linked."]
    assert "is already linked" in str(list(get_messages(again.wsgi_request))[0])
    assert [str(m) for m in get_messages(missing.wsgi_request)] == ["There is no automation run #999999."]
    assert other_tenant in incident.affected_tenants.all()
    assert incident.timeline.filter(kind=TimelineEntry.Kind.SYSTEM, data__automation_run=run.pk).count() == 1
    page = admin_client.get(f"/admin/incidents/incident/{incident.pk}/change/").content.decode()
    assert f"/admin/integrations/automationrun/{run.pk}/change/" in page


def test_the_api_lists_the_incidents_runs(operator_api, admin_user, tenant):
    incident = make_incident(admin_user, codes=["N8N_TIMEOUT"], tenants=[tenant])
    run = timed_out_run(tenant)
    services.link_automation_run(incident, run, actor=admin_user)

    body = operator_api.get(f"/api/v1/incidents/{incident.pk}/").json()

    assert body["automation_runs"] == [
        {
            "id": run.pk,
            "tenant": tenant.slug,
            "bot": "Concierge",
            "status": "timeout",
            "error": "No callback within 300 s",
        }
    ]
