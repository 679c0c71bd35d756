"""AI metrics for the alert rules (seeded by apps/ai/migrations/0002_seed_ai_alert_rules.py): one
tenant's share of the requests, the day's cost against AI_DAILY_COST_BUDGET_USD (the billing alert),
the cost against its 7-day baseline, and the fallback rate (the provider-outage alert).

The rates and ratios register a volume, so a rule with `min_volume` does not judge one request."""

from datetime import timedelta

from django.conf import settings

from apps.ai import reports
from apps.events.metrics import register

BASELINE_DAYS = 7


def _requests_in(window, now, params):
    return reports.between(now - window, now).count()


@register("ai_tenant_share", "Share of AI requests of the busiest tenant in window", "%", volume=_requests_in)
def ai_tenant_share(window, now, params):
    return reports.top_tenant_share(reports.between(now - window, now))[1]


def cost_today(now) -> float:
    return float(reports.totals(reports.between(reports.start_of("today", now), now)).cost_usd)


@register("ai_cost_today", "AI cost since 00:00 UTC (the window is ignored)", "USD")
def ai_cost_today(window, now, params):
    return cost_today(now)


@register("ai_budget_used", "AI cost today as a percent of AI_DAILY_COST_BUDGET_USD", "%")
def ai_budget_used(window, now, params):
    """None when no budget is set (0): there is nothing to compare with."""
    budget = settings.AI_DAILY_COST_BUDGET_USD
    return round(100.0 * cost_today(now) / budget, 1) if budget > 0 else None


@register(
    "ai_cost_vs_baseline",
    "AI cost in window against the average window of the previous 7 days (ratio)",
    "×",
    volume=_requests_in,
)
def ai_cost_vs_baseline(window, now, params):
    """None while there is no baseline to compare with (no cost in the previous 7 days)."""
    start = now - window
    current = reports.totals(reports.between(start, now)).cost_usd
    history = reports.totals(reports.between(start - timedelta(days=BASELINE_DAYS), start)).cost_usd
    baseline = float(history) / (timedelta(days=BASELINE_DAYS) / window)
    return round(float(current) / baseline, 2) if baseline > 0 else None


def _reached_chain(window, now, params):
    return reports.totals(reports.between(now - window, now)).reached_chain


@register(
    "ai_fallback_rate",
    "Percent of AI requests that got the fallback text because every provider failed",
    "%",
    volume=_reached_chain,
)
def ai_fallback_rate(window, now, params):
    return reports.totals(reports.between(now - window, now)).fallback_rate
