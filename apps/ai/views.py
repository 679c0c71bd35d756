"""The tenant's AI in the portal: usage today and this month against its limits, its cost, and its
own AI requests (list and detail). Rows are reached only through `for_tenant`; another tenant's
request is a 404."""

from datetime import datetime, time

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from apps.ai import reports, review
from apps.ai.models import AIRequest, Outcome
from apps.tenants.portal import role_required
from apps.tenants.usage import tenant_today

PAGE_SIZE = 50


@require_http_methods(["GET"])
@role_required("ai.view")
def usage(request):
    tenant = request.tenant
    outcome = request.GET.get("outcome", "") if request.GET.get("outcome") in Outcome.values else ""
    rows = AIRequest.objects.for_tenant(tenant).order_by("-created_at", "-id")
    page = Paginator(rows.filter(outcome=outcome) if outcome else rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "ai/usage.html",
        {
            "meters": reports.limit_use(tenant),
            "today": reports.totals(reports.between(_local_start(tenant, month=False), timezone.now(), rows)),
            "month": reports.totals(reports.between(_local_start(tenant, month=True), timezone.now(), rows)),
            "page": page,
            "outcome": outcome,
            "outcomes": Outcome.choices,
        },
    )


def _local_start(tenant, *, month):
    """00:00 of the tenant's today (or of the 1st of its month) in its own zone."""
    day = tenant_today(tenant)
    day = day.replace(day=1) if month else day
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


@require_http_methods(["GET"])
@role_required("ai.view")
def request_detail(request, request_id):
    ai_request = get_object_or_404(AIRequest.objects.for_tenant(request.tenant), pk=request_id)
    return render(
        request,
        "ai/request.html",
        {
            "ai_request": ai_request,
            "sent": review.sent_messages(ai_request),
            "steps": [(step.get("provider", ""), step.get("outcome", "")) for step in review.chain_steps(ai_request)],
        },
    )
