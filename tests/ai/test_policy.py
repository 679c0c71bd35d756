"""The AI side of tenants.policy: request and token limits per day and month (plan values, tenant
overrides), their order after the switches, and how long a refused caller waits for the reset in
the tenant's own zone."""

from datetime import UTC, datetime

import pytest

from apps.core.errors import ServiceError
from apps.events.models import AuditEvent
from apps.tenants import policy, services, usage
from apps.tenants.models import UsageCounter
from tests.factories import PlanFactory, TenantFactory

Metric = UsageCounter.Metric
ROOM = policy.PolicyInput(ai_daily_token_limit=1000, ai_monthly_token_limit=5000)


def decide(**changes):
    return policy.decide_ai(policy.PolicyInput(**{**ROOM.__dict__, **changes})).code


def test_room_left_is_allowed():
    assert decide(ai_tokens_today=999, ai_tokens_this_month=4999) is None


def test_the_daily_token_limit_refuses_like_the_daily_request_limit():
    assert decide(ai_tokens_today=1000) == "AI_DAILY_LIMIT_EXCEEDED"
    assert decide(ai_today=100) == "AI_DAILY_LIMIT_EXCEEDED"


def test_the_monthly_token_limit_refuses_like_the_monthly_request_limit():
    assert decide(ai_tokens_this_month=5000) == "AI_MONTHLY_LIMIT_EXCEEDED"
    assert decide(ai_this_month=1000) == "AI_MONTHLY_LIMIT_EXCEEDED"


def test_switches_come_before_limits():
    assert decide(ai_enabled=False, ai_tokens_today=10**6) == "AI_DISABLED_TENANT"
    assert decide(suspended=True, ai_tokens_this_month=10**6) == "TENANT_SUSPENDED"


def test_a_full_day_is_reported_before_a_full_month():
    assert decide(ai_tokens_today=1000, ai_tokens_this_month=5000) == "AI_DAILY_LIMIT_EXCEEDED"


@pytest.mark.django_db
def test_token_usage_counts_against_the_plan_limits():
    tenant = TenantFactory(plan=PlanFactory(ai_daily_token_limit=500, ai_monthly_token_limit=800))
    usage.increment(tenant, Metric.AI_TOKENS, 499)
    assert policy.can_use_ai(tenant)
    usage.increment(tenant, Metric.AI_TOKENS, 1)
    assert policy.can_use_ai(tenant).code == "AI_DAILY_LIMIT_EXCEEDED"


@pytest.mark.django_db
def test_a_tenant_override_replaces_the_plans_token_limit():
    tenant = TenantFactory(plan=PlanFactory(ai_daily_token_limit=500), ai_daily_token_limit=10_000)
    usage.increment(tenant, Metric.AI_TOKENS, 600)
    assert policy.can_use_ai(tenant)
    inputs = policy.input_for(tenant)
    assert (inputs.ai_daily_token_limit, inputs.ai_tokens_today, inputs.ai_tokens_this_month) == (10_000, 600, 600)


@pytest.mark.django_db
def test_a_daily_refusal_waits_until_the_tenants_local_midnight():
    tenant = TenantFactory(timezone="America/Sao_Paulo")  # UTC-3
    now = datetime(2026, 3, 10, 23, 0, tzinfo=UTC)  # 20:00 in São Paulo
    assert policy.ai_retry_after_s("AI_DAILY_LIMIT_EXCEEDED", tenant, now) == 4 * 3600


@pytest.mark.django_db
def test_a_monthly_refusal_waits_until_the_first_of_next_month():
    tenant = TenantFactory(timezone="UTC")
    now = datetime(2026, 12, 31, 12, 0, tzinfo=UTC)
    assert policy.ai_retry_after_s("AI_MONTHLY_LIMIT_EXCEEDED", tenant, now) == 12 * 3600


@pytest.mark.django_db
def test_the_wait_counts_real_seconds_across_a_daylight_saving_change():
    tenant = TenantFactory(timezone="Europe/Berlin")  # clocks go forward at 02:00 on 29 March 2026
    now = datetime(2026, 3, 28, 23, 0, tzinfo=UTC)  # midnight in Berlin, 29 March begins
    assert policy.ai_retry_after_s("AI_DAILY_LIMIT_EXCEEDED", tenant, now) == 23 * 3600


@pytest.mark.django_db
def test_other_codes_have_no_wait(tenant):
    assert policy.ai_retry_after_s("AI_DISABLED_TENANT", tenant) is None


@pytest.mark.django_db
def test_setting_token_limits_is_audited_and_other_callers_leave_them_as_they_are(tenant, staff):
    services.set_ai_limits(
        tenant, daily=5, monthly=50, daily_tokens=1000, monthly_tokens=None, actor=staff, reason="cost spike"
    )
    services.set_ai_limits(tenant, daily=6, monthly=60, actor=staff, reason="runbook preset")
    tenant.refresh_from_db()
    assert (tenant.ai_daily_limit, tenant.ai_daily_token_limit, tenant.ai_monthly_token_limit) == (6, 1000, None)
    first = AuditEvent.objects.filter(action="tenant.ai_limits_changed").order_by("id").first()
    assert (first.before["ai_daily_token_limit"], first.after["ai_daily_token_limit"]) == (None, 1000)


@pytest.mark.django_db
def test_a_negative_token_limit_is_refused(tenant, staff):
    with pytest.raises(ServiceError, match="daily token limit cannot be negative"):
        services.set_ai_limits(tenant, daily=5, monthly=50, daily_tokens=-1, actor=staff, reason="x")


@pytest.mark.django_db
def test_several_counters_are_added_to_at_once_creating_the_missing_ones(tenant):
    usage.increment(tenant, Metric.AI_REQUESTS, 2)
    usage.increment_many(tenant, {Metric.AI_REQUESTS: 1, Metric.AI_TOKENS: 40})
    usage.increment_many(tenant, {Metric.AI_REQUESTS: 1, Metric.AI_TOKENS: 2})
    usage.increment_many(tenant, {Metric.AI_REQUESTS: 1, Metric.AI_TOKENS: 0})
    used = usage.ai_usage_for(tenant)
    assert (used.requests_today, used.requests_this_month, used.tokens_today, used.tokens_this_month) == (5, 5, 42, 42)


@pytest.mark.django_db
def test_the_ai_input_matches_the_full_input(tenant):
    usage.increment_many(tenant, {Metric.AI_REQUESTS: 3, Metric.AI_TOKENS: 300, Metric.MESSAGES_SENT: 7})
    full, lean = policy.input_for(tenant), policy.ai_input_for(tenant)
    ai_fields = [name for name in policy.PolicyInput.__dataclass_fields__ if name.startswith("ai_")]
    assert {name: getattr(lean, name) for name in ai_fields} == {name: getattr(full, name) for name in ai_fields}
    assert (lean.suspended, lean.ai_enabled) == (full.suspended, full.ai_enabled)


@pytest.mark.django_db
def test_the_portal_dashboard_shows_token_use_against_the_limits(owner_client, tenant):
    usage.increment(tenant, Metric.AI_TOKENS, 1234)
    page = owner_client.get("/dashboard/").content.decode()
    assert "AI tokens today" in page and "AI tokens this month" in page
    assert "1,234" in page and "200,000" in page
