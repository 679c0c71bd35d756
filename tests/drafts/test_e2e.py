"""The support_loop_e2e check against the local Chatwoot (which stores notes and messages and posts
its webhooks to the live server), the local AI provider and the real knowledge search."""

import pytest

from apps.drafts.models import AIDraft
from apps.events.models import AuditEvent
from apps.health import checks
from tests.drafts.conftest import DRAFT_TEXT, PARKING, hotel_source

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
STEPS = [
    "open a test conversation",
    "post the customer's message",
    "webhook delivered",
    "AI draft as a private note",
    "approve and publish",
    "reply sent to the customer",
    "resolve the test conversation",
]


@pytest.fixture
def source(tenant, chatwoot, llm, fast_retries):
    fast_retries.SUPPORT_LOOP_E2E_QUESTION = PARKING
    return hotel_source(tenant, chatwoot, inbox_ids=[5])


def test_the_loop_passes_step_by_step_and_leaves_its_conversation_resolved(source, chatwoot, live_server):
    chatwoot.send_webhooks_to(f"{live_server.url}/webhooks/chatwoot/{source.connection.pk}/")

    result = checks.run("support_loop_e2e", connection=source.connection)

    assert result.status == checks.PASS, result.detail
    assert [step["name"] for step in result.value["steps"]] == STEPS
    assert all(step["status"] == "pass" and step["seconds"] >= 0 for step in result.value["steps"])
    conversation = chatwoot.conversations[result.value["conversation_id"]]
    assert conversation["inbox_id"] == 5 and conversation["status"] == "resolved"
    assert conversation["additional_attributes"] == {"opsdesk_check": "support_loop_e2e"}
    assert conversation["contact"]["name"] == "Opsdesk support-loop check"
    [note] = chatwoot.outgoing(conversation["id"], private=True)
    assert DRAFT_TEXT in note["content"]
    assert [m["content"] for m in chatwoot.outgoing(conversation["id"])] == [DRAFT_TEXT]
    draft = AIDraft.objects.get(conversation_id=conversation["id"])
    assert draft.status == AIDraft.Status.PUBLISHED and draft.approved_by == "support_loop_e2e check"
    assert AuditEvent.objects.filter(action="drafts.publish", target_id=str(draft.pk)).exists()


def test_a_webhook_that_never_arrives_fails_the_check_naming_that_step(source, chatwoot, settings):
    settings.SUPPORT_LOOP_E2E_TIMEOUT_S = 1  # and Chatwoot sends no webhooks at all

    result = checks.run("support_loop_e2e", connection=source.connection)

    assert result.status == checks.FAIL
    assert result.detail == "webhook delivered: the webhook never arrived within 1 s"
    steps = {step["name"]: step["status"] for step in result.value["steps"]}
    assert steps == {
        "open a test conversation": "pass",
        "post the customer's message": "pass",
        "webhook delivered": "fail",
        "resolve the test conversation": "pass",
    }
    assert chatwoot.conversations[result.value["conversation_id"]]["status"] == "resolved"


def test_no_knowledge_for_the_question_fails_at_the_draft_step(source, chatwoot, live_server, settings):
    settings.SUPPORT_LOOP_E2E_QUESTION = "Qwxzv plorth?"
    chatwoot.send_webhooks_to(f"{live_server.url}/webhooks/chatwoot/{source.connection.pk}/")

    result = checks.run("support_loop_e2e", connection=source.connection)

    assert result.status == checks.FAIL
    assert result.detail.startswith("AI draft as a private note: draft ")
    assert "no draft" in result.detail.lower()


def test_without_a_test_inbox_the_check_says_what_to_configure(tenant, chatwoot, llm):
    source = hotel_source(tenant, chatwoot)

    result = checks.run("support_loop_e2e", connection=source.connection)

    assert result.status == checks.FAIL and "support_loop_inbox_id" in result.detail


def test_a_connection_without_drafts_is_skipped(tenant, chatwoot):
    from tests.knowledge.search_fixtures import searchable_source

    source = searchable_source(tenant, "hotel", base_url=chatwoot.url, account_id=chatwoot.account_id)

    assert checks.run("support_loop_e2e", connection=source.connection).status == checks.SKIP


def test_the_sources_page_runs_the_check_through_celery_and_shows_its_steps(
    owner_client, source, chatwoot, live_server
):
    from django.urls import reverse

    from apps.health.models import HealthMonitor

    chatwoot.send_webhooks_to(f"{live_server.url}/webhooks/chatwoot/{source.connection.pk}/")
    url = reverse("drafts:support-loop", args=[source.pk])
    assert "It has not run yet." in owner_client.get(url).content.decode()

    assert owner_client.post(url).status_code == 302

    page = owner_client.get(url).content.decode()
    assert "Pass" in page or "pass" in page
    assert all(step in page for step in ("webhook delivered", "approve and publish", "reply sent to the customer"))
    monitor = HealthMonitor.objects.get(key=f"support_loop:{source.tenant_id}")
    assert monitor.check_name == "support_loop_e2e" and not monitor.enabled  # scheduled once an operator turns it on
    assert AuditEvent.objects.filter(action="drafts.support_loop_check").exists()


def test_a_failing_loop_is_recorded_by_its_monitor_with_the_step_named(source, settings):
    from apps.drafts import e2e_services
    from apps.health import services as health

    settings.SUPPORT_LOOP_E2E_TIMEOUT_S = 1
    monitor = e2e_services.loop_monitor(source.tenant)

    outcome = health.run_monitor(monitor)

    assert outcome.result.status == "fail"
    assert "webhook delivered: the webhook never arrived within 1 s" in outcome.result.detail


def test_staff_run_it_from_the_source_settings_admin_page(client, staff, source, settings):
    from django.urls import reverse

    from apps.drafts.models import DraftSettings

    settings.SUPPORT_LOOP_E2E_TIMEOUT_S = 1  # no webhooks: the run fails at that step
    client.force_login(staff)
    row = DraftSettings.objects.get(source=source)
    url = reverse("admin:drafts_aidraft_support_loop", args=[source.pk])
    assert url in client.get(reverse("admin:drafts_draftsettings_change", args=[row.pk])).content.decode()

    assert client.post(url).status_code == 302

    page = client.get(url).content.decode()
    assert "webhook delivered: the webhook never arrived within 1 s" in page
