"""/dashboard/ai/: the tenant's AI usage against its limits, its cost, and its own AI requests
(paginated list and detail) — never another tenant's. Viewers may read it."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.tenants import usage
from apps.tenants.models import UsageCounter
from tests.ai.factories import AIRequestFactory, fallback
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
USAGE = "/dashboard/ai/"


@pytest.fixture
def viewer(client, tenant):
    client.force_login(MembershipFactory(tenant=tenant, role="viewer", user__username="viewer@alpha.test").user)
    return client


def test_usage_against_limits_requests_and_tokens(viewer, tenant):
    tenant.ai_daily_limit, tenant.ai_daily_token_limit = 20, 1000
    tenant.save()
    usage.increment(tenant, UsageCounter.Metric.AI_REQUESTS, 5)
    usage.increment(tenant, UsageCounter.Metric.AI_TOKENS, 1000)

    response = viewer.get(USAGE)

    meters = {meter.label: (meter.used, meter.limit, meter.reached) for meter in response.context["meters"]}
    assert meters["AI requests today"] == (5, 20, False)
    assert meters["AI tokens today"] == (1000, 1000, True)
    assert meters["AI requests this month"] == (5, tenant.plan.ai_monthly_limit, False)
    assert "Limit reached" in response.content.decode()


def test_cost_today_and_this_month(viewer, tenant):
    AIRequestFactory.create_batch(2, tenant=tenant, cost_usd=Decimal("0.0125"))

    response = viewer.get(USAGE)

    assert response.context["today"].requests == 2 and response.context["today"].cost_usd == Decimal("0.025")
    assert "$0.0250" in response.content.decode()


def test_the_page_says_the_limits_count_answered_requests_and_the_totals_every_request(viewer, tenant):
    AIRequestFactory(tenant=tenant)
    fallback(tenant=tenant)
    usage.increment(tenant, UsageCounter.Metric.AI_REQUESTS, 1)

    response = viewer.get(USAGE)

    body = response.content.decode()
    assert "Counts only the requests an AI provider answered" in body
    assert "All requests and cost" in body and "2 requests (all)" in body
    assert {meter.label: meter.used for meter in response.context["meters"]}["AI requests today"] == 1


def test_the_list_shows_only_the_tenants_own_requests(viewer, tenant, other_tenant):
    mine = AIRequestFactory(tenant=tenant, contact_id="+4915100000001")
    AIRequestFactory(tenant=other_tenant, contact_id="+4915100000002")

    response = viewer.get(USAGE)

    assert [row.pk for row in response.context["page"].object_list] == [mine.pk]
    body = response.content.decode()
    assert "+4915100000001" in body and "+4915100000002" not in body and "Beta Bots" not in body


def test_the_list_filters_by_outcome_and_pages_newest_first(viewer, tenant):
    now = timezone.now()
    for minutes in range(55):
        AIRequestFactory(tenant=tenant, created_at=now - timedelta(minutes=minutes))
    failed = fallback(tenant=tenant, created_at=now - timedelta(hours=2))

    first = viewer.get(USAGE).context["page"]
    assert first.paginator.count == 56 and len(first.object_list) == 50
    assert first.object_list[0].created_at > first.object_list[1].created_at
    assert len(viewer.get(f"{USAGE}?page=2").context["page"].object_list) == 6
    assert [row.pk for row in viewer.get(f"{USAGE}?outcome=fallback").context["page"].object_list] == [failed.pk]


def test_the_detail_shows_what_was_sent_and_answered(viewer, tenant):
    row = fallback(tenant=tenant, completion="We are having trouble answering right now.")

    body = viewer.get(f"{USAGE}{row.pk}/").content.decode()

    assert "What time is check-in?" in body and "We are having trouble answering right now." in body
    assert "openrouter: failed → openai: failed → mock: answered" in body
    assert "Bad gateway" not in body  # the providers' own error texts are for operators


def test_another_tenants_request_is_a_404(viewer, other_tenant):
    theirs = AIRequestFactory(tenant=other_tenant)

    assert viewer.get(f"{USAGE}{theirs.pk}/").status_code == 404


def test_the_portal_nav_links_the_ai_page(viewer):
    assert f'href="{USAGE}"' in viewer.get("/dashboard/").content.decode()


def test_a_switched_off_tenant_is_told_so(viewer, tenant):
    tenant.is_ai_enabled = False
    tenant.save()

    assert "AI is switched off for this account" in viewer.get(USAGE).content.decode()
