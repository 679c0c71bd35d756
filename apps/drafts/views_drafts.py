"""The tickets console's AI drafts (portal): the tenant's drafts filtered by status and project, a
draft's page with its whole trail, and Approve & publish / Reject as POST forms calling the drafts
services (audited). Agents decide, viewers read; another tenant's draft is a 404."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.core.errors import ServiceError
from apps.drafts import e2e_services, metrics, services, trail
from apps.drafts.models import AIDraft
from apps.drafts.portal_forms import DraftFilterForm, PortalApproveForm, PortalRejectForm
from apps.knowledge.models import ProjectSource
from apps.tenants.portal import role_required

PAGE_SIZE = 25


def tenant_drafts(request):
    return AIDraft.objects.for_tenant(request.tenant).select_related("project", "source__connection", "ai_request")


@require_GET
@role_required("drafts.view")
def draft_list(request):
    form = DraftFilterForm(request.GET or None, tenant=request.tenant)
    drafts = form.filter(tenant_drafts(request)).order_by("-created_at", "-id")
    page = Paginator(drafts, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "drafts/list.html", {"form": form, "page": page})


@require_GET
@role_required("drafts.view")
def draft_detail(request, draft_id):
    draft = get_object_or_404(tenant_drafts(request), pk=draft_id)
    forms = {"approve_form": PortalApproveForm(initial={"text": draft.text}), "reject_form": PortalRejectForm()}
    return _detail(request, draft, forms)


def _detail(request, draft, forms, status=200):
    decidable = draft.status in (*AIDraft.OPEN, AIDraft.Status.FAILED) and bool(draft.text)
    context = {**trail.context(draft), **forms, "decidable": decidable}
    return render(request, "drafts/detail.html", context, status=status)


@require_POST
@role_required("drafts.decide")
def draft_approve(request, draft_id):
    draft = get_object_or_404(tenant_drafts(request), pk=draft_id)
    form = PortalApproveForm(request.POST)
    if not form.is_valid():
        return _detail(request, draft, {"approve_form": form, "reject_form": PortalRejectForm()}, status=400)
    decide = lambda: services.approve(draft, by=request.user, text=form.cleaned_data["text"], request=request)  # noqa: E731
    return _decided(request, draft, decide, "approved; the reply is being sent")


@require_POST
@role_required("drafts.decide")
def draft_reject(request, draft_id):
    draft = get_object_or_404(tenant_drafts(request), pk=draft_id)
    form = PortalRejectForm(request.POST)
    if not form.is_valid():
        return _detail(
            request,
            draft,
            {"approve_form": PortalApproveForm(initial={"text": draft.text}), "reject_form": form},
            status=400,
        )
    decide = lambda: services.reject(draft, by=request.user, reason=form.cleaned_data["reason"], request=request)  # noqa: E731
    return _decided(request, draft, decide, "rejected")


def _decided(request, draft, decide, done):
    try:
        decide()
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Draft {draft.pk} {done}.")
    return redirect("drafts:detail", draft_id=draft.pk)


@require_GET
@role_required("drafts.view")
def draft_metrics(request):
    """The support lead's figures, per project and per person, over 7 or 30 days."""
    days = metrics.period_days(request.GET.get("days"))
    form = DraftFilterForm(request.GET or None, tenant=request.tenant)
    drafts = metrics.drafts_in(form.filter(AIDraft.objects.for_tenant(request.tenant)), days)
    context = {"form": form, "days": days, "periods": metrics.PERIODS}
    context["tables"] = metrics.tables(drafts)
    return render(request, "drafts/metrics.html", context)


@require_http_methods(["GET", "POST"])
@role_required("drafts.manage")
def support_loop(request, source_id):
    """The source's support-loop check: its latest result with the steps, and a button that runs it."""
    source = get_object_or_404(ProjectSource.objects.for_tenant(request.tenant).select_related("project"), pk=source_id)
    if request.method == "POST":
        e2e_services.queue_loop_check(source, by=request.user, request=request)
        messages.success(request, "The support-loop check is queued; it takes up to a few minutes. Reload to see it.")
        return redirect("drafts:support-loop", source_id=source.pk)
    context = {"source": source, "result": e2e_services.latest_result(request.tenant)}
    return render(request, "drafts/support_loop.html", context)
