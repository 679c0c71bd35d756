"""The AI usage pages of the admin (/admin/ai-usage/…): the overview, usage by tenant, the probe
("Test with a single request") and the tenant kill switches the by-tenant page links to.

Staff-only (wrapped in `admin.site.admin_view` by apps/ai/admin_urls.py). Reading needs
ai.view_airequest; the probe sends a paid request, so it needs ai.change_providercircuit (on-call);
the switches need the tenant switch permission and call the tenants' services with a reason."""

from collections.abc import Callable
from datetime import timedelta
from typing import NamedTuple

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from apps.ai import probe, reports
from apps.ai.chain import providers_from
from apps.ai.models import AIRequest, Outcome, ProviderCircuit
from apps.ai.providers import CHAIN, get_provider
from apps.core.admin_actions import ReasonForm
from apps.core.errors import ServiceError
from apps.events import charts
from apps.tenants import services as tenant_services
from apps.tenants.models import SystemSettings, Tenant
from apps.tenants.roles import TENANT_SWITCH_PERMISSION

VIEW, PROBE = "ai.view_airequest", "ai.change_providercircuit"
CHART_DAYS = 30
REDUCED_DAILY, REDUCED_MONTHLY = 5, 50  # the runbook's "reduce limits" preset


def require(request, permission):
    if not request.user.has_perm(permission):
        raise PermissionDenied


def page(request, template, title, **context):
    return TemplateResponse(
        request,
        template,
        {**admin.site.each_context(request), "title": title, "opts": AIRequest._meta, **context},
    )


# --- the overview ------------------------------------------------------------------------------


def overview(request):
    require(request, VIEW)
    now = timezone.now()
    window = request.GET.get("window") if request.GET.get("window") in reports.WINDOWS else "7d"
    rows = reports.between(reports.start_of(window, now), now)
    default = SystemSettings.load().default_ai_provider
    return page(
        request,
        "admin/ai/overview.html",
        "AI usage overview",
        tiles=[(reports.WINDOWS[key], _totals(key, now)) for key in ("today", "7d", "30d")],
        window=window,
        windows=reports.WINDOWS,
        by_model=reports.by_provider_and_model(rows),
        outcomes=_outcomes(rows),
        providers=provider_states(),
        configured=probe.configured_providers(),
        default_provider=default,
        chain_in_use=chain_in_use(default),
        budget=settings.AI_DAILY_COST_BUDGET_USD,
        may_probe=request.user.has_perm(PROBE),
        **_charts(now),
    )


def _totals(window, now):
    return reports.totals(reports.between(reports.start_of(window, now), now))


def chain_in_use(default) -> list[str]:
    """The providers a call tries now: from the default on, those with a key, then the mock."""
    return [name for name in providers_from(default) if name == "mock" or get_provider(name).configured]


def _outcomes(rows):
    counts = reports.by_outcome(rows)
    changelist = reverse("admin:ai_airequest_changelist")
    return [
        {"label": label, "count": counts.get(value, 0), "url": f"{changelist}?outcome__exact={value}"}
        for value, label in Outcome.choices
    ]


def _charts(now):
    first_day = (now - timedelta(days=CHART_DAYS - 1)).date()
    days = reports.per_day(reports.between(reports.start_of("30d", now), now), first_day, CHART_DAYS)
    return {
        "cost_chart": charts.line_chart(
            [(f"{day:%d %b}", round(float(cost), 4)) for day, _, cost in days],
            title="AI cost per day (USD, UTC days), last 30 days",
            label_every=5,
        ),
        "requests_chart": charts.line_chart(
            [(f"{day:%d %b}", count) for day, count, _ in days],
            title="AI requests per day (UTC days), last 30 days",
            label_every=5,
        ),
    }


def provider_states() -> list[dict]:
    """Each provider of the chain: key set or not, its model and base URL (never the key), its circuit."""
    circuits = {circuit.provider: circuit for circuit in ProviderCircuit.objects.all()}
    default = SystemSettings.load().default_ai_provider
    return [
        {
            "name": name,
            "configured": get_provider(name).configured,
            "model": get_provider(name).default_model,
            "base_url": getattr(get_provider(name), "base_url", ""),
            "circuit": circuits.get(name),
            "is_default": name == default,
        }
        for name in CHAIN
    ]


def run_probe(request):
    """GET: what the probe will do, with a button; POST: runs it and shows each provider's answer."""
    require(request, PROBE)
    results = probe.probe() if request.method == "POST" else None
    return page(
        request,
        "admin/ai/probe.html",
        "Test with a single request",
        results=results,
        configured=probe.configured_providers(),
    )


# --- usage by tenant -----------------------------------------------------------------------------

ALL_CALLS = "Every AI call recorded in the window: answers, fallback and mock answers, refusals and rejected bodies."
COUNTED = (
    "From the usage counters the limits are checked against: only calls a real provider answered count "
    "(a provider outage or a refusal does not use up the tenant's quota)."
)
COLUMNS = {  # key: (header, what it counts)
    "name": ("Tenant", ""),
    "requests": ("Requests (all calls)", ALL_CALLS),
    "tokens": ("Tokens", "Tokens of the calls in the window (fallback and mock answers use none)."),
    "cost_usd": ("Cost (USD)", "Cost of the calls in the window."),
    "share": ("Share of all calls", "This tenant's part of every tenant's calls in the window."),
    "daily_use": ("Counted toward limits today / limit", COUNTED),
    "monthly_use": ("Counted toward limits this month / limit", COUNTED),
    "tokens_use": ("Tokens counted today / limit", COUNTED),
    "ai_enabled": ("AI", "The tenant's own AI switch."),
}


def by_tenant(request):
    require(request, VIEW)
    now = timezone.now()
    window = request.GET.get("window") if request.GET.get("window") in reports.WINDOWS else "today"
    order = request.GET.get("o", "-requests")
    rows = tenant_rows(reports.between(reports.start_of(window, now), now), now)
    key = order.removeprefix("-") if order.removeprefix("-") in COLUMNS else "requests"
    rows.sort(key=lambda row: (row[key], row["name"]), reverse=order.startswith("-"))
    return page(
        request,
        "admin/ai/by_tenant.html",
        "AI usage by tenant",
        rows=rows,
        window=window,
        windows=reports.WINDOWS,
        headers=_headers(order, window),
        threshold=reports.SHARE_ALERT_PERCENT,
        may_switch=request.user.has_perm(TENANT_SWITCH_PERMISSION),
    )


def tenant_rows(window_rows, now) -> list[dict]:
    counts = reports.by_tenant(window_rows)
    total = sum(row["requests"] for row in counts.values())
    changelist = reverse("admin:ai_airequest_changelist")
    rows = []
    tenants = list(Tenant.objects.select_related("plan"))
    meters_of = reports.limit_use_of(tenants, now)
    for tenant in tenants:
        used = counts.get(tenant.pk, {"requests": 0, "tokens": 0, "cost_usd": 0})
        share = round(100.0 * used["requests"] / total, 1) if total else 0.0
        meters = meters_of[tenant.pk]
        rows.append(
            {
                "tenant": tenant,
                "name": tenant.name.lower(),
                **used,
                "share": share,
                "highlight": share > reports.SHARE_ALERT_PERCENT,
                "meters": meters[:3],
                "daily_use": meters[0].percent,
                "monthly_use": meters[1].percent,
                "tokens_use": meters[2].percent,
                "ai_enabled": tenant.is_ai_enabled,
                "requests_url": f"{changelist}?tenant__id__exact={tenant.pk}",
            }
        )
    return rows


def _headers(order, window):
    current, descending = order.removeprefix("-"), order.startswith("-")
    return [
        {
            "label": label,
            "help": help_text,
            "url": f"?window={window}&o={'' if current == key and descending else '-'}{key}",
            "sorted": ("descending" if descending else "ascending") if current == key else "",
        }
        for key, (label, help_text) in COLUMNS.items()
    ]


# --- the tenant kill switches ---------------------------------------------------------------------


class Switch(NamedTuple):
    title: str
    done: str  # the confirmation after it was applied
    explanation: str
    apply: Callable


SWITCHES = {
    "ai-off": Switch(
        "Switch AI off",
        "AI switched off",
        "Every AI call of this tenant is refused (AI_DISABLED_TENANT) until AI is switched on again.",
        lambda tenant, reason, request: tenant_services.set_ai_enabled(
            tenant, False, actor=request.user, reason=reason, request=request
        ),
    ),
    "ai-on": Switch(
        "Switch AI on",
        "AI switched on",
        "The tenant's AI calls are answered again, within its limits.",
        lambda tenant, reason, request: tenant_services.set_ai_enabled(
            tenant, True, actor=request.user, reason=reason, request=request
        ),
    ),
    "reduce-limits": Switch(
        f"Reduce AI limits to {REDUCED_DAILY} per day and {REDUCED_MONTHLY} per month",
        f"AI limits reduced to {REDUCED_DAILY} per day and {REDUCED_MONTHLY} per month",
        "The runbook's preset for a cost spike or abuse: the tenant's own limits override its plan's "
        "until they are cleared (Tenants → Set AI limits).",
        lambda tenant, reason, request: tenant_services.set_ai_limits(
            tenant, daily=REDUCED_DAILY, monthly=REDUCED_MONTHLY, actor=request.user, reason=reason, request=request
        ),
    ),
}


def tenant_switch(request, tenant_id, switch):
    require(request, TENANT_SWITCH_PERMISSION)
    chosen = SWITCHES[switch]
    tenant = get_object_or_404(Tenant.objects.select_related("plan"), pk=tenant_id)
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            chosen.apply(tenant, form.cleaned_data["reason"], request)
        except ServiceError as exc:
            messages.error(request, f"{tenant}: {exc.message}")
        else:
            messages.success(request, f"{tenant}: {chosen.done}, and recorded in the audit log.")
        return redirect(reverse("ai_usage:by_tenant"))
    return page(
        request,
        "admin/ai/confirm_switch.html",
        f"{chosen.title}: {tenant.name}",
        tenant=tenant,
        explanation=chosen.explanation,
        form=form,
        meters=reports.limit_use(tenant),
    )
