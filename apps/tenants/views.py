from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from apps.tenants import portal
from apps.tenants.api import tenant_status


@portal.role_required("tenant.view")
def dashboard(request):
    status = tenant_status(request.tenant)
    return render(request, "portal/dashboard.html", {"status": status, "meters": meters(status)})


def meters(status):
    """Usage against limits, one row each, with `reached` set when nothing more is allowed."""
    usage, limits = status["usage"], status["limits"]
    rows = [
        ("Messages this month", usage["messages_this_month"], limits["monthly_messages"]),
        ("Active bots", usage["bots"], limits["bots"]),
        ("AI requests today", usage["ai_today"], limits["ai_daily"]),
        ("AI requests this month", usage["ai_this_month"], limits["ai_monthly"]),
        ("AI tokens today", usage["ai_tokens_today"], limits["ai_daily_tokens"]),
        ("AI tokens this month", usage["ai_tokens_this_month"], limits["ai_monthly_tokens"]),
    ]
    return [
        {
            "label": label,
            "used": used,
            "limit": limit,
            "reached": used >= limit,
            "percent": min(100, round(100 * used / limit)) if limit else 100,
        }
        for label, used, limit in rows
    ]


@require_POST
@portal.role_required("tenant.switch")
def switch_tenant(request):
    membership = portal.switch_tenant(request, request.POST.get("tenant", ""))
    messages.info(request, f"Now working in {membership.tenant.name}.")
    return redirect("portal:dashboard")
