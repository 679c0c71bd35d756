"""The AI draft's admin page: the whole trail (apps/drafts/trail.py, the same template as the
portal's) and two decisions, Approve & publish (with an edit box) and Reject (with a reason), each a
confirmation page whose POST calls apps.drafts.services (which audits). Staff with the change
permission on AI drafts decide; the others read."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from apps.core import zones
from apps.core.admin_display import admin_link
from apps.core.errors import ServiceError
from apps.drafts import e2e_services, metrics, services, trail
from apps.drafts.models import AIDraft
from apps.knowledge.models import ProjectSource


class ApproveForm(forms.Form):
    text = forms.CharField(
        label="Reply to send",
        widget=forms.Textarea(attrs={"rows": 8, "cols": 80}),
        help_text="Sent as it is; change it to send your own text (recorded as edited).",
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label="Reason", max_length=500, widget=forms.Textarea(attrs={"rows": 3, "cols": 60}), required=True
    )


def _approve(draft, data, request):
    return services.approve(draft, by=request.user, text=data["text"], request=request)


def _reject(draft, data, request):
    return services.reject(draft, by=request.user, reason=data["reason"], request=request)


DECISIONS = {"approve": (ApproveForm, "Approve & publish", _approve), "reject": (RejectForm, "Reject", _reject)}


@admin.register(AIDraft)
class AIDraftAdmin(admin.ModelAdmin):
    list_display = ["id", "tenant", "project", "conversation_id", "status", "decided_by", "written", "note_id"]
    list_filter = ["status", "edited", "tenant", "project"]
    search_fields = ["message_text", "text", "approved_by", "conversation_id", "tenant__slug", "project__name"]
    list_select_related = ["tenant", "project"]
    fields = ["tenant_link", "project_link", "source_link", "status", "the_trail", "decide"]
    readonly_fields = fields
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # the page is read-only; decisions go through the buttons

    def may_decide(self, request) -> bool:
        return request.user.has_perm("drafts.change_aidraft")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("tenant", "project", "source__connection", "ai_request", "approved_by_user")
        )

    def get_urls(self):
        return [
            path("metrics/", self.admin_site.admin_view(self.metrics_view), name="drafts_aidraft_metrics"),
            path(
                "support-loop/<int:source_id>/",
                self.admin_site.admin_view(self.support_loop_view),
                name="drafts_aidraft_support_loop",
            ),
            path(
                "<int:draft_id>/decide/<str:decision>/",
                self.admin_site.admin_view(self.decide_view),
                name="drafts_aidraft_decide",
            ),
            *super().get_urls(),
        ]

    def metrics_view(self, request):
        """Support-lead figures over 7 or 30 days, for every tenant or one project (?project=)."""
        days = metrics.period_days(request.GET.get("days"))
        drafts = metrics.drafts_in(AIDraft.objects.all(), days)
        project = request.GET.get("project")
        drafts = drafts.filter(project_id=project) if project and project.isdigit() else drafts
        context = {
            **self.admin_site.each_context(request),
            **{"opts": self.model._meta, "title": f"AI drafts: figures, last {days} days"},
            **{"days": days, "periods": metrics.PERIODS, "tables": metrics.tables(drafts), "project": project or ""},
        }
        return TemplateResponse(request, "admin/drafts/metrics.html", context)

    def support_loop_view(self, request, source_id):
        """The source's support-loop check: latest result with its steps; POST queues a run (Celery)."""
        source = get_object_or_404(ProjectSource.objects.select_related("tenant", "project"), pk=source_id)
        if request.method == "POST":
            if not self.may_decide(request):
                raise PermissionDenied
            e2e_services.queue_loop_check(source, by=request.user, request=request)
            self.message_user(request, "Support-loop check queued; reload in a minute.", messages.SUCCESS)
            return redirect("admin:drafts_aidraft_support_loop", source.pk)
        context = {
            **self.admin_site.each_context(request),
            **{"opts": self.model._meta, "title": f"Support-loop check: {source}", "source": source},
            **{"result": e2e_services.latest_result(source.tenant), "may_run": self.may_decide(request)},
        }
        return TemplateResponse(request, "admin/drafts/support_loop.html", context)

    def decide_view(self, request, draft_id, decision):
        if decision not in DECISIONS:
            raise Http404("No such decision: approve or reject.")
        if not self.may_decide(request):
            raise PermissionDenied
        draft = get_object_or_404(self.get_queryset(request), pk=draft_id)
        form_class, title, apply = DECISIONS[decision]
        initial = {"text": draft.approved_text or draft.text}
        form = form_class(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            return self._apply(request, draft, apply, form.cleaned_data, title)
        context = {
            **self.admin_site.each_context(request),
            **{"opts": self.model._meta, "title": f"{title}: {draft}", "draft": draft},
            **{"form": form, "decision": decision},
        }
        return TemplateResponse(request, "admin/drafts/decide.html", context, status=400 if form.errors else 200)

    def _apply(self, request, draft, apply, data, title):
        try:
            apply(draft, data, request)
        except ServiceError as exc:
            self.message_user(request, exc.message, messages.ERROR)
        else:
            self.message_user(request, f"{title}: done for draft {draft.pk}.", messages.SUCCESS)
        return redirect("admin:drafts_aidraft_change", draft.pk)

    @admin.display(description="decided by")
    def decided_by(self, obj):
        return obj.approved_by or "-"

    @admin.display(description="queued", ordering="created_at")
    def written(self, obj):
        return zones.when(obj.created_at)

    @admin.display(description="tenant")
    def tenant_link(self, obj):
        return admin_link(obj.tenant)

    @admin.display(description="project")
    def project_link(self, obj):
        return admin_link(obj.project)

    @admin.display(description="source")
    def source_link(self, obj):
        return admin_link(obj.source)

    @admin.display(description="trail")
    def the_trail(self, obj):
        url = reverse("admin:ai_airequest_change", args=[obj.ai_request_id]) if obj.ai_request_id else ""
        return render_to_string("drafts/_trail.html", {**trail.context(obj), "ai_request_url": url})

    @admin.display(description="decide")
    def decide(self, obj):
        if obj.status not in (*AIDraft.OPEN, AIDraft.Status.FAILED, AIDraft.Status.APPROVED):
            return "Nothing to decide: this draft is closed."
        approve, reject = (reverse("admin:drafts_aidraft_decide", args=[obj.pk, d]) for d in ("approve", "reject"))
        return format_html(
            '<a class="button" href="{}">Approve &amp; publish…</a> <a class="button" href="{}">Reject…</a>',
            approve,
            reject,
        )
