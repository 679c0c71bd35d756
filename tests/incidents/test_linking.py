"""A tenant's failures meet its incident: when detection opens or joins an incident for a tenant
and a component, the tenant's recent events of that component are linked with the automation runs
and tickets they carry, and new ones join while it is open."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.events import emit
from apps.events.models import SystemEvent
from apps.health import services as health
from apps.health.models import HealthMonitor
from apps.incidents import services
from apps.incidents.models import Status, TimelineEntry
from apps.integrations import automation
from apps.integrations import services as integration_services
from apps.integrations.models import AutomationRun, ConversationMessage
from tests.factories import SystemEventFactory
from tests.fakes.n8n_health import FakeN8nInstance
from tests.fakes.server import Reply
from tests.integrations.factories import ConnectionFactory, InboundEventFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _quick_health(settings):
    settings.HEALTH_HTTP_TIMEOUT = 0.5
    settings.HEALTH_FAILURE_THRESHOLD = 2
    settings.HEALTH_PLATFORM_TENANTS = []


@pytest.fixture
def n8n():
    with FakeN8nInstance() as server:
        server.workflow("webhook/concierge", Reply(500, {"message": "Error in workflow"}))
        yield server


def n8n_for(tenant, n8n):
    integration_services.create_connection(
        tenant, "n8n", secret="callback-token", values={"base_url": n8n.url, "token": n8n.token}
    )
    return automation.create_bot(tenant, name="Concierge", workflow_path="webhook/concierge")


def failed_run(bot, text="Is breakfast included?"):
    """A guest wrote; the bot's n8n workflow answered 500, so the run failed with N8N_TRIGGER_FAIL."""
    connection = ConnectionFactory(tenant=bot.tenant, provider="telegram")
    event = InboundEventFactory(connection=connection, event_type="message")
    message = ConversationMessage.objects.create(
        tenant=bot.tenant,
        connection=connection,
        inbound_event=event,
        channel="telegram",
        provider_message_id=f"m-{event.pk}",
        contact_id="4242",
        text=text,
        sent_at=timezone.now(),
    )
    run = automation.start_runs(event, message)[0]
    automation.trigger(run.pk)
    return AutomationRun.objects.get(pk=run.pk)


def n8n_monitor_fails(tenant, n8n):
    n8n.unhealthy()
    health.sync_monitors()
    monitor = HealthMonitor.objects.get(tenant=tenant, connection__provider="n8n")
    health.run_monitor(monitor)
    return health.run_monitor(monitor).incident


def test_the_n8n_monitors_incident_links_the_tenants_failed_runs_and_their_events(tenant, other_tenant, n8n):
    bot = n8n_for(tenant, n8n)
    runs = [failed_run(bot), failed_run(bot)]
    other_run = failed_run(n8n_for(other_tenant, n8n))
    unrelated = SystemEventFactory(tenant=tenant, code="PMS_SYNC_FAILED", occurred_at=timezone.now())

    incident = n8n_monitor_fails(tenant, n8n)

    linked = incident.events.filter(code="N8N_TRIGGER_FAIL")
    assert sorted(linked.values_list("automation_run_id", flat=True)) == sorted(run.pk for run in runs)
    assert set(incident.automation_runs.all()) == set(runs)
    assert other_run not in incident.automation_runs.all()
    assert SystemEvent.objects.get(pk=unrelated.pk).incident is None
    entry = incident.timeline.get(kind=TimelineEntry.Kind.SYSTEM, text__startswith="Linked")
    assert entry.text == (
        "Linked 2 recent event(s) of the affected tenant(s): N8N_TRIGGER_FAIL; with 2 automation run(s)"
    )


def test_a_new_failure_of_the_tenant_joins_the_open_incident_and_stops_once_it_is_resolved(tenant, staff, n8n):
    bot = n8n_for(tenant, n8n)
    incident = n8n_monitor_fails(tenant, n8n)

    run = failed_run(bot)

    event = SystemEvent.objects.get(code="N8N_TRIGGER_FAIL", automation_run=run)
    assert event.incident == incident and run in incident.automation_runs.all()

    services.change_status(incident, Status.RESOLVED, actor=staff)
    later = failed_run(bot)
    assert SystemEvent.objects.get(code="N8N_TRIGGER_FAIL", automation_run=later).incident is None


def test_old_events_and_other_components_are_not_linked(tenant):
    old = SystemEventFactory(tenant=tenant, code="N8N_TIMEOUT", occurred_at=timezone.now() - timedelta(hours=3))
    waha = SystemEventFactory(tenant=tenant, code="WAHA_SEND_FAIL", occurred_at=timezone.now())

    incident, _ = services.open_or_join(
        "health:test-n8n",
        title="n8n down",
        codes=["HEALTH_CHECK_FAILED"],
        tenant_ids=[tenant.pk],
        components=["n8n"],
        runbook="n8n-down",
    )

    assert not incident.events.exists()
    assert emit("WAHA_SEND_FAIL", tenant=tenant).incident_id is None
    assert SystemEvent.objects.get(pk=old.pk).incident is None and SystemEvent.objects.get(pk=waha.pk).incident is None


def test_a_platform_event_or_another_tenants_event_does_not_join(tenant, other_tenant):
    incident, _ = services.open_or_join(
        "health:test-n8n", title="n8n down", codes=["HEALTH_CHECK_FAILED"], tenant_ids=[tenant.pk], components=["n8n"]
    )

    assert emit("N8N_TIMEOUT").incident_id is None
    assert emit("N8N_TIMEOUT", tenant=other_tenant).incident_id is None
    assert emit("N8N_TIMEOUT", tenant=tenant).incident_id == incident.pk


def test_the_tickets_an_event_carries_join_the_incident(tenant, other_tenant):
    from tests.tickets.factories import make_ticket

    ticket, foreign = make_ticket(tenant), make_ticket(other_tenant)
    incident, _ = services.open_or_join(
        "alert:test-sla",
        title="SLA breaches",
        codes=["ALERT_RULE_TRANSITION"],
        tenant_ids=[tenant.pk],
        components=["tickets"],
    )

    emit("SLA_BREACHED", tenant=tenant, ticket=ticket)
    emit("SLA_BREACHED", tenant=other_tenant, ticket=foreign)

    assert list(incident.tickets.all()) == [ticket]
    ticket.refresh_from_db(), foreign.refresh_from_db()
    assert foreign.incident is None


def test_events_the_api_stores_in_a_batch_join_too(tenant):
    from apps.events.ingest import store_batch

    incident, _ = services.open_or_join(
        "health:test-waha",
        title="WAHA down",
        codes=["HEALTH_CHECK_FAILED"],
        tenant_ids=[tenant.pk],
        components=["waha"],
    )

    stored = store_batch([{"code": "WAHA_SESSION_DOWN", "tenant": tenant}, {"code": "N8N_TIMEOUT", "tenant": tenant}])

    assert [SystemEvent.objects.get(pk=event.pk).incident_id for event in stored] == [incident.pk, None]


def test_a_large_batch_is_linked_in_a_few_queries(tenant, other_tenant, django_assert_max_num_queries):
    from apps.events.ingest import store_batch

    incident, _ = services.open_or_join(
        "health:test-waha",
        title="WAHA down",
        codes=["HEALTH_CHECK_FAILED"],
        tenant_ids=[tenant.pk],
        components=["waha"],
    )
    rows = [{"code": "WAHA_SEND_FAIL", "tenant": owner} for owner in (tenant, other_tenant) for _ in range(100)]

    with django_assert_max_num_queries(20):
        store_batch(rows)

    assert incident.events.count() == 100
    assert not SystemEvent.objects.filter(tenant=other_tenant, incident__isnull=False).exists()


def test_a_ticket_id_in_meta_that_is_no_id_is_ignored(tenant):
    from apps.events.ingest import store_batch

    incident, _ = services.open_or_join(
        "alert:test-sla",
        title="SLA breaches",
        codes=["ALERT_RULE_TRANSITION"],
        tenant_ids=[tenant.pk],
        components=["tickets"],
    )

    stored = store_batch([{"code": "SLA_BREACHED", "tenant": tenant, "meta": {"ticket_id": "not-a-ticket"}}])

    assert SystemEvent.objects.get(pk=stored[0].pk).incident == incident
