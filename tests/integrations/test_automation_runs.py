"""Automation runs: an inbound message starts a run of each active bot against n8n (a local fake),
the n8n callback finishes it, a silent run times out, an operator can end a stuck one."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.core.errors import ServiceError
from apps.events.models import AuditEvent, SystemEvent
from apps.integrations import automation, processing
from apps.integrations import services as integration_services
from apps.integrations.models import AutomationRun, Bot, ConversationMessage
from tests.fakes import serving
from tests.fakes.n8n import FakeN8n
from tests.fakes.server import Reply
from tests.integrations import signing
from tests.integrations.factories import ConnectionFactory, InboundEventFactory

RUN = AutomationRun.Status


n8n = serving(FakeN8n)


@pytest.fixture
def n8n_connection(tenant, n8n):
    return integration_services.create_connection(
        tenant, "n8n", secret="callback-token", values={"base_url": n8n.url, "token": "n8n-token"}
    )


@pytest.fixture
def bot(tenant, n8n, n8n_connection):
    n8n.workflow("webhook/concierge")
    return automation.create_bot(tenant, name="Concierge", workflow_path="webhook/concierge")


def queued_run(bot):
    connection = ConnectionFactory(tenant=bot.tenant, provider="telegram")
    event = InboundEventFactory(connection=connection, event_type="message")
    message = ConversationMessage.objects.create(
        tenant=bot.tenant,
        connection=connection,
        inbound_event=event,
        channel="telegram",
        provider_message_id="m-1",
        contact_id="4242",
        text="Is breakfast included?",
        sent_at=timezone.now(),
    )
    return automation.start_runs(event, message)[0]


def test_trigger_posts_the_message_to_the_workflow_with_its_token(bot, n8n):
    run = queued_run(bot)
    assert automation.trigger(run.pk) == RUN.RUNNING
    run.refresh_from_db()
    assert (run.status, run.n8n_execution_id) == (RUN.RUNNING, "1001")
    sent = n8n.requests_to("/webhook/concierge")[0]
    assert sent.headers["Authorization"] == "Bearer n8n-token"
    assert sent.json()["message"]["text"] == "Is breakfast included?"
    assert sent.json()["callback_url"].endswith(f"/webhooks/n8n/{bot.tenant.connections.get(provider='n8n').pk}/")


def test_trigger_twice_posts_once(bot, n8n):
    run = queued_run(bot)
    automation.trigger(run.pk)
    assert automation.trigger(run.pk) == "skipped"
    assert len(n8n.requests) == 1


@pytest.mark.parametrize(
    "reply, expected",
    [
        (Reply(500, {"message": "Error in workflow"}), "500"),
        (Reply(200, {}, delay=2.0), "did not answer"),
    ],
)
def test_failed_trigger_emits_n8n_trigger_fail(bot, n8n, settings, reply, expected):
    settings.N8N_HTTP_TIMEOUT_S = 0.5
    n8n.workflow("webhook/concierge", reply)
    run = queued_run(bot)
    assert automation.trigger(run.pk) == RUN.FAILED
    run.refresh_from_db()
    assert expected in run.error
    event = SystemEvent.objects.get(code="N8N_TRIGGER_FAIL")
    assert event.automation_run == run and event.tenant == bot.tenant


def test_unregistered_workflow_path_fails_with_n8ns_message(tenant, n8n, n8n_connection):
    bot = automation.create_bot(tenant, name="Old", workflow_path="webhook/gone")
    run = queued_run(bot)
    automation.trigger(run.pk)
    run.refresh_from_db()
    assert "is not registered" in run.error


def test_n8n_callback_through_the_webhook_finishes_the_run(client, bot, n8n_connection):
    run = queued_run(bot)
    automation.trigger(run.pk)
    body = json.dumps(
        {"run_id": run.pk, "status": "failed", "execution_id": "1001", "error": "Node 'AI' failed"}
    ).encode()
    response = client.post(
        f"/webhooks/n8n/{n8n_connection.pk}/",
        data=body,
        content_type="application/json",
        **signing.n8n_headers("callback-token"),
    )
    assert response.status_code == 200
    event = n8n_connection.inbound_events.get()
    assert processing.process(event.pk) == "processed"
    run.refresh_from_db()
    assert (run.status, run.error) == (RUN.FAILED, "Node 'AI' failed")


def test_callback_for_another_tenants_run_fails_processing(bot, other_tenant, settings):
    settings.INBOX_RETRY_SCHEDULE = [0]
    run = queued_run(bot)
    theirs = ConnectionFactory(tenant=other_tenant, provider="n8n")
    event = InboundEventFactory(
        connection=theirs, event_type="run_finished", payload={"run_id": run.pk, "status": "succeeded"}
    )
    assert processing.process(event.pk) == "dead_lettered"
    run.refresh_from_db()
    assert run.status == RUN.QUEUED


def test_running_run_without_callback_times_out_with_n8n_timeout(bot, settings):
    run = queued_run(bot)
    automation.trigger(run.pk)
    assert automation.time_out_stuck_runs(now=timezone.now() + timedelta(seconds=settings.N8N_RUN_TIMEOUT_S + 1)) == 1
    run.refresh_from_db()
    assert run.status == RUN.TIMEOUT
    assert SystemEvent.objects.filter(code="N8N_TIMEOUT", automation_run=run).count() == 1
    assert automation.time_out_stuck_runs(now=timezone.now() + timedelta(hours=1)) == 0


def test_operator_marks_a_stuck_run_failed_with_a_reason(bot, staff):
    run = queued_run(bot)
    with pytest.raises(ServiceError):
        automation.mark_failed(run, reason=" ", actor=staff)
    automation.mark_failed(run, reason="n8n restarted, execution lost", actor=staff)
    run.refresh_from_db()
    assert run.status == RUN.FAILED and "n8n restarted" in run.error
    assert AuditEvent.objects.filter(action="automation_run.marked_failed", reason__contains="n8n restarted").exists()
    with pytest.raises(ServiceError, match="already"):
        automation.mark_failed(run, reason="again", actor=staff)


def test_bot_beyond_the_plan_limit_is_refused_with_bot_limit_exceeded(tenant, n8n_connection):
    tenant.plan.bot_limit = 1
    tenant.plan.save()
    automation.create_bot(tenant, name="One", workflow_path="webhook/one")
    with pytest.raises(ServiceError) as refusal:
        automation.create_bot(tenant, name="Two", workflow_path="webhook/two")
    assert refusal.value.code == "BOT_LIMIT_EXCEEDED"
    assert Bot.objects.filter(tenant=tenant).count() == 1
    assert SystemEvent.objects.filter(code="BOT_LIMIT_EXCEEDED", tenant=tenant).exists()


def test_inactive_bots_start_no_runs(bot):
    automation.set_bot_active(bot, False)
    connection = ConnectionFactory(tenant=bot.tenant, provider="telegram")
    event = InboundEventFactory(connection=connection, event_type="message")
    message = ConversationMessage.objects.create(
        tenant=bot.tenant,
        connection=connection,
        channel="telegram",
        provider_message_id="m-2",
        contact_id="1",
        sent_at=timezone.now(),
    )
    assert automation.start_runs(event, message) == []
