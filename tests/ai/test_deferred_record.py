"""The API does not wait for its AIRequest row: the snapshot draws the row's id, the answer names it,
and the row with its counters is written when the response closes (after its last byte went out).
Bots and drafts still get their row before `complete()` returns. A row that cannot be written is
logged with its bill, never silently dropped."""

import logging

import pytest
from django.utils import timezone

from apps.ai import recording
from apps.ai.models import AIRequest, Outcome
from apps.ai.services import complete
from apps.tenants import usage
from apps.tenants.models import UsageCounter

pytestmark = pytest.mark.django_db
QUESTION = [{"role": "user", "content": "Is breakfast included?"}]


def counted(tenant):
    today = usage.usage_for(tenant)
    return today.ai_today, today.ai_tokens_today


def test_a_deferred_answer_names_its_row_and_writes_it_when_finished(tenant, openrouter, openai):
    completion = complete(tenant, "api", QUESTION, defer_record=True)

    assert completion.ok and completion.request_id is not None
    assert not AIRequest.objects.filter(pk=completion.request_id).exists()
    assert counted(tenant) == (0, 0)

    completion.finish()
    row = AIRequest.objects.get(pk=completion.request_id)
    assert (row.outcome, row.provider, row.completion) == (Outcome.ANSWERED, "openrouter", "OpenRouter says hi.")
    assert counted(tenant) == (1, row.total_tokens)


def test_a_refusal_is_deferred_too_and_ids_do_not_collide(tenant, openrouter, openai):
    tenant.is_ai_enabled = False
    tenant.save()
    refused = complete(tenant, "api", QUESTION, defer_record=True)
    tenant.is_ai_enabled = True
    tenant.save()
    answered = complete(tenant, "bot_reply", QUESTION)

    assert AIRequest.objects.filter(pk=answered.request_id).exists()
    refused.finish()
    assert AIRequest.objects.get(pk=refused.request_id).outcome == Outcome.REFUSED_POLICY
    assert refused.request_id != answered.request_id


def test_without_deferring_the_row_exists_when_complete_returns(tenant, openrouter, openai):
    completion = complete(tenant, "bot_reply", QUESTION)
    assert completion.pending == ()
    assert AIRequest.objects.filter(pk=completion.request_id).exists()


def test_the_api_writes_the_row_as_the_response_closes(tenant_api, openrouter, openai):
    response = tenant_api.post(
        "/api/v1/ai/chat/completions", data={"messages": QUESTION}, content_type="application/json"
    )

    row = AIRequest.objects.get()
    assert response.json()["opsdesk"]["request_id"] == row.pk
    assert row.outcome == Outcome.ANSWERED


@pytest.mark.django_db(transaction=True)
def test_a_row_that_cannot_be_written_is_logged_with_its_bill(tenant, caplog):
    row = AIRequest(id=10**9, tenant=tenant, feature="x" * 500, outcome="answered", created_at=timezone.now())
    amounts = {UsageCounter.Metric.AI_REQUESTS: 1, UsageCounter.Metric.AI_TOKENS: 30}

    with caplog.at_level(logging.ERROR, logger="opsdesk.ai"):
        recording.deferred(row, amounts)()

    (logged,) = [record for record in caplog.records if record.name == "opsdesk.ai"]
    assert "could not be recorded" in logged.getMessage()
    assert logged.ai_request["tenant_id"] == tenant.pk and logged.ai_request["counted"] == amounts
    assert not AIRequest.objects.filter(pk=10**9).exists()
    assert counted(tenant) == (0, 0)
