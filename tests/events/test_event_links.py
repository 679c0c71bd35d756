"""The event page shows every link the event carries — incident, automation run, tickets, inbound
event — each clickable; the Error Center list shows the incident on each linked event."""

import pytest
from django.utils import timezone

from apps.events import emit
from apps.incidents import services
from apps.integrations.models import AutomationRun, Bot
from tests.integrations.factories import ConnectionFactory, InboundEventFactory
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/events/systemevent/"


@pytest.fixture
def run(tenant):
    bot = Bot.objects.create(tenant=tenant, name="Concierge", workflow_path="webhook/concierge")
    return AutomationRun.objects.create(
        tenant=tenant, bot=bot, status=AutomationRun.Status.FAILED, error="n8n answered 500"
    )


@pytest.fixture
def incident(tenant):
    incident, _ = services.open_or_join(
        "health:connection:n8n",
        title="n8n: Alpha failing health checks",
        codes=["HEALTH_CHECK_FAILED"],
        tenant_ids=[tenant.pk],
        components=["n8n"],
        runbook="n8n-down",
        severity="sev3",
        detection_method="health_monitor",
    )
    return incident


def test_the_event_page_links_its_incident_run_ticket_and_inbound_event(admin_client, tenant, run, incident):
    inbound = InboundEventFactory(
        connection=ConnectionFactory(tenant=tenant, provider="n8n"), event_type="callback", external_id="exec-1001"
    )
    ticket = make_ticket(tenant, subject="The bot did not answer")
    event = emit(
        "N8N_TRIGGER_FAIL",
        tenant=tenant,
        message="Bot Concierge: n8n answered 500",
        automation_run=run,
        inbound_event=inbound,
        ticket=ticket,
    )

    page = admin_client.get(f"{CHANGELIST}{event.pk}/change/").content.decode()

    assert (
        f'Incident: <a href="/admin/incidents/incident/{incident.pk}/change/">#{incident.pk} {incident.title}</a>'
        in page
    )
    assert (
        f'Automation run: <a href="/admin/integrations/automationrun/{run.pk}/change/">run #{run.pk} (failed)</a>'
        in page
    )
    assert f'Ticket: <a href="/admin/tickets/ticket/{ticket.pk}/change/">#{ticket.pk}</a>' in page
    assert (
        f'Inbound event: <a href="/admin/integrations/inboundevent/{inbound.pk}/change/">n8n callback exec-1001' in page
    )
    for url in (
        f"/admin/integrations/automationrun/{run.pk}/change/",
        f"/admin/tickets/ticket/{ticket.pk}/change/",
        f"/admin/integrations/inboundevent/{inbound.pk}/change/",
        f"/admin/incidents/incident/{incident.pk}/change/",
    ):
        assert admin_client.get(url).status_code == 200, url


def test_a_ticket_that_linked_the_event_is_shown_too(admin_client, tenant, staff):
    from apps.tickets import services as tickets

    event = emit("WAHA_SEND_FAIL", tenant=tenant, message="Session STOPPED", occurred_at=timezone.now())
    ticket = make_ticket(tenant)
    tickets.link_events(ticket, [event], actor=staff)

    page = admin_client.get(f"{CHANGELIST}{event.pk}/change/").content.decode()

    assert f'Ticket: <a href="/admin/tickets/ticket/{ticket.pk}/change/">#{ticket.pk}</a>' in page


def test_an_event_without_links_says_so(admin_client, tenant):
    event = emit("PMS_SYNC_FAILED", tenant=tenant, message="PMS answered 503")

    response = admin_client.get(f"{CHANGELIST}{event.pk}/change/")

    assert response.status_code == 200 and response.context["adminform"].form.initial is not None


def test_the_list_shows_the_incident_of_each_linked_event(admin_client, tenant, incident):
    linked = emit("N8N_TIMEOUT", tenant=tenant, message="run 7 had no callback")
    unlinked = emit("PMS_SYNC_FAILED", tenant=tenant, message="PMS answered 503")

    page = admin_client.get(CHANGELIST).content.decode()

    assert linked.incident_id == incident.pk and unlinked.incident_id is None
    assert f'<a href="/admin/incidents/incident/{incident.pk}/change/">{incident}</a>' in page
