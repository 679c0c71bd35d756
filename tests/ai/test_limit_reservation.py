"""Near its limits a tenant's AI call counts its request before the provider call, in one atomic
statement, so calls that arrive together cannot pass the limit; further from it the request is
counted with the row after the call, as before, with no extra round trip."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.ai.models import AIRequest, Outcome
from apps.ai.services import complete
from apps.core import db_context
from apps.events.models import SystemEvent
from apps.tenants import usage
from tests.factories import PlanFactory, TenantFactory
from tests.threads import all_at_once

QUESTION = [{"role": "user", "content": "Is breakfast included?"}]


def tenant_with(daily=100, monthly=1000):
    return TenantFactory(plan=PlanFactory(ai_daily_limit=daily, ai_monthly_limit=monthly))


def requests_today(tenant):
    return usage.ai_usage_for(tenant).requests_today


def in_tenant(tenant, work):
    """`work` as a worker's bot reply runs it: in the tenant's database context."""

    def run():
        with db_context.tenant_context(tenant):
            return work()

    return run


@pytest.mark.django_db(transaction=True)
def test_calls_arriving_together_make_only_the_requests_the_limit_leaves(openrouter):
    tenant = tenant_with(daily=3)
    usage.increment(tenant, "ai_requests", 1)
    openrouter.always(openrouter.hang(0.2))

    results = all_at_once(6, in_tenant(tenant, lambda: complete(tenant, "api", QUESTION)))

    assert sorted(r.outcome for r in results) == [Outcome.ANSWERED] * 2 + [Outcome.REFUSED_POLICY] * 4
    assert {r.code for r in results if not r.ok} == {"AI_DAILY_LIMIT_EXCEEDED"}
    assert len(openrouter.completions) == 2
    assert requests_today(tenant) == 3


@pytest.mark.django_db(transaction=True)
def test_the_monthly_limit_holds_under_concurrent_calls_too(openrouter):
    tenant = tenant_with(daily=100, monthly=2)
    openrouter.always(openrouter.hang(0.2))

    results = all_at_once(4, in_tenant(tenant, lambda: complete(tenant, "api", QUESTION)))

    assert [r.code for r in results].count("AI_MONTHLY_LIMIT_EXCEEDED") == 2
    assert len(openrouter.completions) == 2


@pytest.mark.django_db
def test_a_reserved_request_is_counted_once(openrouter):
    tenant = tenant_with(daily=5)
    assert complete(tenant, "api", QUESTION).ok
    assert requests_today(tenant) == 1
    assert usage.ai_usage_for(tenant).tokens_today == AIRequest.objects.get().total_tokens > 0


@pytest.mark.django_db
def test_a_reserved_request_answered_by_the_mock_is_given_back(openrouter, openai):
    tenant = tenant_with(daily=5)
    openrouter.always(openrouter.server_error(503))
    openai.always(openai.server_error(503))

    result = complete(tenant, "api", QUESTION)

    assert result.outcome == Outcome.FALLBACK
    assert requests_today(tenant) == 0


@pytest.mark.django_db
def test_a_request_refused_at_its_reservation_is_recorded_and_announced(openrouter, settings):
    tenant = tenant_with(daily=1)
    settings.AI_LIMIT_RESERVE_WITHIN = 10
    assert complete(tenant, "api", QUESTION).ok

    refused = complete(tenant, "api", QUESTION)

    assert (refused.code, refused.retry_after_s > 0) == ("AI_DAILY_LIMIT_EXCEEDED", True)
    assert AIRequest.objects.filter(outcome=Outcome.REFUSED_POLICY).count() == 1
    assert SystemEvent.objects.filter(code="AI_DAILY_LIMIT_EXCEEDED").exists()
    assert len(openrouter.completions) == 1


@pytest.mark.django_db
def test_far_from_its_limits_a_call_reserves_nothing(openrouter):
    tenant = tenant_with(daily=1000, monthly=10_000)

    with CaptureQueriesContext(connection) as queries:
        assert complete(tenant, "api", QUESTION).ok

    assert not [q for q in queries.captured_queries if "RETURNING value" in (q["sql"] or "")]
    assert requests_today(tenant) == 1


@pytest.mark.django_db
def test_near_its_limit_an_api_call_through_the_key_counts_once(client, openrouter):
    from apps.accounts import services as key_services

    tenant = tenant_with(daily=3)
    key = key_services.issue_tenant_key(tenant, name="n8n")[1]
    body = json.dumps({"messages": QUESTION})
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}

    answers = [client.post("/api/v1/ai/chat/completions", body, "application/json", **headers) for _ in range(4)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert requests_today(tenant) == 3


@pytest.mark.django_db
def test_near_its_limit_an_answered_call_costs_one_statement_more(openrouter, django_assert_max_num_queries):
    tenant = tenant_with(daily=20)
    complete(tenant, "api", QUESTION)  # creates the tenant's AI texts and the provider's circuit row
    with django_assert_max_num_queries(3):  # the snapshot; the reservation; the row with its tokens
        assert complete(tenant, "api", QUESTION).ok
