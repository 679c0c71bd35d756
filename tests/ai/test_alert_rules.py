"""The AI metrics computed from AIRequest rows, the seeded AI alert rules evaluated by the existing
engine (incident and runbook included), and AI_GUARDRAIL_VIOLATION spikes in the spike detector."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.ai import metrics as ai_metrics  # noqa: F401 — the metrics are registered by the app
from apps.events import metrics
from apps.events.alert_models import AlertRule
from apps.incidents.models import Incident
from apps.incidents.services import detection
from tests.ai.factories import AIRequestFactory, fallback
from tests.factories import SystemEventFactory, TenantFactory

pytestmark = pytest.mark.django_db
NOW = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0)
HOUR = timedelta(hours=1)
AI_RULES = {
    "ai_tenant_share": "ai-cost-spike",
    "ai_budget_used": "ai-cost-spike",
    "ai_cost_vs_baseline": "ai-cost-spike",
    "ai_fallback_rate": "ai-provider-outage",
}


def requests(tenant, count, *, minutes_ago=5, **fields):
    return AIRequestFactory.create_batch(
        count, tenant=tenant, created_at=NOW - timedelta(minutes=minutes_ago), **fields
    )


def compute(name, window=HOUR):
    return metrics.compute(name, window, NOW), metrics.volume(name, window, NOW)


def test_the_ai_rules_are_seeded_with_their_thresholds():
    rules = {rule.metric: rule for rule in AlertRule.objects.filter(metric__in=AI_RULES)}

    assert set(rules) == set(AI_RULES)
    assert (rules["ai_tenant_share"].critical_threshold, rules["ai_tenant_share"].window_minutes) == (80, 60)
    assert (rules["ai_fallback_rate"].critical_threshold, rules["ai_fallback_rate"].window_minutes) == (20, 10)
    assert rules["ai_budget_used"].critical_threshold == 100 and rules["ai_budget_used"].warning_threshold == 80
    assert all(rule.metric in metrics.REGISTRY for rule in rules.values())


# --- the metrics ---------------------------------------------------------------------------------------


def test_tenant_share_is_the_busiest_tenants_percent_of_requests_in_window():
    busy, quiet = TenantFactory(), TenantFactory()
    requests(busy, 9)
    requests(quiet, 1)
    requests(quiet, 30, minutes_ago=90)  # outside the hour

    assert compute("ai_tenant_share") == (90.0, 10)


def test_no_requests_is_no_data():
    assert compute("ai_tenant_share") == (None, 0)
    assert compute("ai_fallback_rate") == (None, 0)
    assert compute("ai_cost_vs_baseline")[0] is None


def test_cost_today_counts_from_midnight_utc_and_budget_is_a_percent(settings):
    settings.AI_DAILY_COST_BUDGET_USD = 10.0
    tenant = TenantFactory()
    requests(tenant, 2, cost_usd=Decimal("2.5"))
    requests(tenant, 1, minutes_ago=13 * 60, cost_usd=Decimal("100"))  # yesterday (UTC)

    assert metrics.compute("ai_cost_today", HOUR, NOW) == 5.0
    assert metrics.compute("ai_budget_used", HOUR, NOW) == 50.0


def test_no_budget_set_means_no_billing_alert_data(settings):
    settings.AI_DAILY_COST_BUDGET_USD = 0
    requests(TenantFactory(), 1, cost_usd=Decimal("3"))

    assert metrics.compute("ai_budget_used", HOUR, NOW) is None


def test_cost_against_baseline_is_the_hours_cost_over_the_average_hour_of_the_week():
    tenant = TenantFactory()
    for day in range(1, 8):  # one request of $0.24 a day for the 7 days before: $0.01 per hour on average
        requests(tenant, 1, minutes_ago=day * 24 * 60, cost_usd=Decimal("0.24"))
    requests(tenant, 3, cost_usd=Decimal("0.02"))  # $0.06 in the last hour

    assert compute("ai_cost_vs_baseline") == (6.0, 3)


def test_fallback_rate_is_over_requests_that_reached_the_providers():
    tenant = TenantFactory()
    requests(tenant, 6)
    for _ in range(3):
        fallback(tenant=tenant, created_at=NOW - timedelta(minutes=2))
    requests(tenant, 5, outcome="refused_policy", provider="")  # never reached a provider
    requests(tenant, 5, outcome="mock", provider="mock")  # kill switch: no provider was tried

    assert compute("ai_fallback_rate", timedelta(minutes=10)) == (pytest.approx(33.3), 9)


# --- the rules through the engine ---------------------------------------------------------------------


def evaluate(metric):
    rule = AlertRule.objects.get(metric=metric)
    return rule, detection.evaluate_alert_rule(rule, now=NOW)


def test_a_provider_outage_opens_an_incident_with_the_provider_outage_runbook():
    tenants = TenantFactory.create_batch(2)
    for tenant in tenants:
        requests(tenant, 4)
        for _ in range(4):
            fallback(tenant=tenant, created_at=NOW - timedelta(minutes=3))
        SystemEventFactory(code="AI_FAILURE_FALLBACK_SENT", tenant=tenant, occurred_at=NOW - timedelta(minutes=3))

    rule, evaluation = evaluate("ai_fallback_rate")

    assert (evaluation.value, evaluation.state_after) == (50.0, "critical")
    incident = Incident.objects.get(dedup_key=f"alert:{rule.pk}")
    assert incident.runbook.slug == "ai-provider-outage"


def test_a_handful_of_fallbacks_is_below_the_minimum_volume():
    fallback(tenant=TenantFactory(), created_at=NOW - timedelta(minutes=3))

    _, evaluation = evaluate("ai_fallback_rate")

    assert (evaluation.value, evaluation.observed_state, evaluation.state_after) == (100.0, "", "ok")
    assert not Incident.objects.exists()


def test_one_tenant_above_80_percent_of_requests_fires_the_share_rule():
    requests(TenantFactory(slug="spammy"), 90)
    requests(TenantFactory(), 10)

    rule, evaluation = evaluate("ai_tenant_share")

    assert (evaluation.value, evaluation.state_after) == (90.0, "critical")
    assert Incident.objects.get(dedup_key=f"alert:{rule.pk}").runbook.slug == "ai-cost-spike"


def test_the_billing_alert_warns_at_80_percent_of_the_budget(settings):
    settings.AI_DAILY_COST_BUDGET_USD = 10.0
    requests(TenantFactory(), 1, cost_usd=Decimal("8.5"))

    _, evaluation = evaluate("ai_budget_used")

    assert (evaluation.value, evaluation.state_after) == (85.0, "warning")
    assert not Incident.objects.exists()


# --- guardrail violations through the spike detector -------------------------------------------------------


def test_guardrail_violation_spikes_in_several_tenants_open_a_spike_incident(settings):
    settings.SPIKE_MIN_COUNT, settings.SPIKE_MIN_TENANTS = 3, 3
    for tenant in TenantFactory.create_batch(3):
        SystemEventFactory.create_batch(
            3, code="AI_GUARDRAIL_VIOLATION", tenant=tenant, occurred_at=NOW - timedelta(minutes=2)
        )

    result = detection.detect_spikes(now=NOW)

    assert list(result["spiking_codes"]) == ["AI_GUARDRAIL_VIOLATION"]
    incident = Incident.objects.get(dedup_key="spike:AI_GUARDRAIL_VIOLATION")
    assert incident.runbook.slug == "tenant-abuse"
