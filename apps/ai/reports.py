"""What the gateway's AIRequest rows add up to, read-only: totals per window, per provider and model,
per day and per tenant. The admin's AI usage pages, the portal and the alert metrics read these."""

from dataclasses import dataclass
from datetime import UTC, timedelta
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from apps.ai.models import AIRequest, Outcome
from apps.tenants.models import UsageCounter

# Requests that went to the provider chain for real: the denominator of the fallback rate.
REACHED_CHAIN = (Outcome.ANSWERED, Outcome.FALLBACK, Outcome.BLOCKED_OUTPUT)
GUARDRAIL_OUTCOMES = (Outcome.REFUSED_GUARDRAIL, Outcome.BLOCKED_OUTPUT)
ERROR_OUTCOMES = (Outcome.FALLBACK, Outcome.INVALID)
AI_METRICS = (UsageCounter.Metric.AI_REQUESTS, UsageCounter.Metric.AI_TOKENS)
WINDOWS = {"1h": "Last hour", "today": "Today (UTC)", "7d": "Last 7 days", "30d": "Last 30 days"}


def start_of(window, now):
    """Where the window named `window` (a key of WINDOWS) starts."""
    if window == "today":
        return now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if window == "1h":
        return now - timedelta(hours=1)
    return now - timedelta(days=int(window.removesuffix("d")))


def between(start, end, rows=None):
    rows = AIRequest.objects.all() if rows is None else rows
    return rows.filter(created_at__gte=start, created_at__lt=end)


@dataclass(frozen=True)
class Totals:
    requests: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: Decimal
    errors: int
    fallbacks: int
    reached_chain: int
    guardrail_violations: int

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    @property
    def fallback_rate(self) -> float | None:
        """Percent of the requests that reached the chain and got the mock's text; None without any."""
        return round(100.0 * self.fallbacks / self.reached_chain, 1) if self.reached_chain else None


def totals(rows) -> Totals:
    sums = rows.order_by().aggregate(
        requests=Count("id"),
        prompt=Sum("prompt_tokens"),
        completion=Sum("completion_tokens"),
        cost=Sum("cost_usd"),
        errors=Count("id", filter=Q(outcome__in=ERROR_OUTCOMES)),
        fallbacks=Count("id", filter=Q(outcome=Outcome.FALLBACK)),
        reached=Count("id", filter=Q(outcome__in=REACHED_CHAIN)),
        guardrail=Count("id", filter=Q(outcome__in=GUARDRAIL_OUTCOMES)),
    )
    return Totals(
        requests=sums["requests"],
        prompt_tokens=sums["prompt"] or 0,
        completion_tokens=sums["completion"] or 0,
        cost_usd=sums["cost"] or Decimal(0),
        errors=sums["errors"],
        fallbacks=sums["fallbacks"],
        reached_chain=sums["reached"],
        guardrail_violations=sums["guardrail"],
    )


def by_provider_and_model(rows) -> list[dict]:
    """One row per provider and model that answered, most requests first."""
    return list(
        rows.exclude(provider="")
        .order_by()
        .values("provider", "model")
        .annotate(
            requests=Count("id"),
            prompt_tokens=Sum("prompt_tokens"),
            completion_tokens=Sum("completion_tokens"),
            cost_usd=Sum("cost_usd"),
        )
        .order_by("-requests", "provider", "model")
    )


def by_outcome(rows) -> dict[str, int]:
    return dict(rows.order_by().values_list("outcome").annotate(n=Count("id")).values_list("outcome", "n"))


def per_day(rows, start_day, days) -> list[tuple]:
    """[(date, requests, cost)] for each of `days` UTC days from `start_day`, zeros included."""
    found = {
        row["day"]: (row["requests"], row["cost"] or Decimal(0))
        for row in rows.order_by()
        .annotate(day=TruncDate("created_at", tzinfo=UTC))
        .values("day")
        .annotate(requests=Count("id"), cost=Sum("cost_usd"))
    }
    return [
        (day, *found.get(day, (0, Decimal(0))))
        for day in (start_day + timedelta(days=offset) for offset in range(days))
    ]


def by_tenant(rows) -> dict[int, dict]:
    """{tenant id: {requests, tokens, cost_usd}} of the tenants with requests among `rows`."""
    found = (
        rows.order_by()
        .values("tenant_id")
        .annotate(
            requests=Count("id"), prompt=Sum("prompt_tokens"), completion=Sum("completion_tokens"), cost=Sum("cost_usd")
        )
    )
    return {
        row["tenant_id"]: {
            "requests": row["requests"],
            "tokens": (row["prompt"] or 0) + (row["completion"] or 0),
            "cost_usd": row["cost"] or Decimal(0),
        }
        for row in found
    }


def top_tenant_share(rows) -> tuple[int | None, float | None]:
    """(tenant id, percent of all requests) of the tenant with the most requests; (None, None) without any."""
    counts = by_tenant(rows)
    total = sum(row["requests"] for row in counts.values())
    if not total:
        return None, None
    tenant_id = max(counts, key=lambda key: counts[key]["requests"])
    return tenant_id, round(100.0 * counts[tenant_id]["requests"] / total, 1)


SHARE_ALERT_PERCENT = 80  # a tenant above this share of all requests is highlighted (and alerted on)


@dataclass(frozen=True)
class Meter:
    label: str
    used: int
    limit: int

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.used / self.limit)) if self.limit else 100

    @property
    def reached(self) -> bool:
        return self.used >= self.limit


def limit_use(tenant, now=None) -> list[Meter]:
    """AI requests and tokens today and this month (the tenant's days) against its effective limits."""
    return _limit_use([tenant], UsageCounter.objects.for_tenant(tenant), now)[tenant.pk]


def limit_use_of(tenants, now=None) -> dict[int, list[Meter]]:
    """`limit_use` of many tenants (their plans selected) in one query, for staff pages:
    {tenant id: meters}."""
    tenants = list(tenants)
    return _limit_use(tenants, UsageCounter.objects.filter(tenant__in=tenants), now) if tenants else {}


def _limit_use(tenants, counters, now) -> dict[int, list[Meter]]:
    """Tenants' days differ by zone, so one query spans the earliest month start to the latest day
    and each tenant's meters keep their own days."""
    from apps.tenants.usage import tenant_today

    now = now or timezone.now()
    today = {tenant.pk: tenant_today(tenant, now) for tenant in tenants}
    rows = counters.filter(
        metric__in=AI_METRICS, day__gte=min(today.values()).replace(day=1), day__lte=max(today.values())
    ).values_list("tenant_id", "metric", "day", "value")
    mine = {tenant.pk: [] for tenant in tenants}
    for tenant_id, *row in rows:
        mine[tenant_id].append(row)
    return {tenant.pk: _meters(tenant, today[tenant.pk], mine[tenant.pk]) for tenant in tenants}


def _meters(tenant, today, rows) -> list[Meter]:
    """The four meters from the tenant's (metric, day, value) counters around `today`."""
    used = {(metric, period): 0 for metric in AI_METRICS for period in ("today", "month")}
    for metric, day, value in rows:
        if today.replace(day=1) <= day <= today:
            used[metric, "month"] += value
        if day == today:
            used[metric, "today"] = value
    requests, tokens = AI_METRICS
    return [
        Meter("AI requests today", used[requests, "today"], tenant.effective_ai_daily_limit),
        Meter("AI requests this month", used[requests, "month"], tenant.effective_ai_monthly_limit),
        Meter("AI tokens today", used[tokens, "today"], tenant.effective_ai_daily_token_limit),
        Meter("AI tokens this month", used[tokens, "month"], tenant.effective_ai_monthly_token_limit),
    ]
