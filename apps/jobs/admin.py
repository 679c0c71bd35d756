import json

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from apps.core.admin_display import pretty_json
from apps.core.errors import ServiceError
from apps.jobs import admin_status, registry, services
from apps.jobs.models import WorkerRun


@admin.register(WorkerRun)
class WorkerRunAdmin(admin.ModelAdmin):
    list_display = ["name", "status", "trigger", "started_at", "duration_ms", "params_text", "short_error"]
    list_filter = ["status", "name", "trigger", ("started_at", admin.DateFieldListFilter)]
    search_fields = ["name", "error", "correlation_id"]
    date_hierarchy = "started_at"
    show_full_result_count = False
    readonly_fields = [
        "name",
        "status",
        "trigger",
        "params_json",
        "queued_at",
        "started_at",
        "finished_at",
        "duration_ms",
        "counts_json",
        "error",
        "evidence",
        "correlation_id",
        "jobs_page",
    ]
    exclude = ["counts", "params"]
    actions = ["run_again"]

    @admin.display(description="Error")
    def short_error(self, obj):
        return obj.error.splitlines()[0][:100] if obj.error else ""

    @admin.display(description="Parameters")
    def params_text(self, obj):
        return ", ".join(f"{key}={value}" for key, value in sorted(obj.params.items())) or "-"

    @admin.display(description="Counts")
    def counts_json(self, obj):
        return pretty_json(obj.counts)

    @admin.display(description="Parameters")
    def params_json(self, obj):
        return pretty_json(obj.params)

    @admin.display(description="Evidence (for the runbook)")
    def evidence(self, obj):
        if obj.status != WorkerRun.Status.FAILED:
            return "-"
        return format_html(
            '<pre class="evidence" style="white-space:pre-wrap;user-select:all;max-width:90em">{}</pre>',
            admin_status.evidence(obj),
        )

    @admin.display(description="Jobs page")
    def jobs_page(self, obj):
        return format_html('<a href="{}">Every job, backlogs and buttons</a>', reverse("jobs-page"))

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {**(extra_context or {}), "jobs_page_url": reverse("jobs-page")})

    @admin.action(description="Run these jobs again (queued for a worker, same parameters)", permissions=["change"])
    def run_again(self, request, queryset):
        known = {job.name for job in registry.all_jobs()}
        for name, params in _distinct_runs(queryset):
            if name not in known:
                self.message_user(request, f"{name} is not a registered job.", messages.WARNING)
                continue
            try:
                run = services.enqueue(name, trigger="manual", params=params, request=request)
            except ServiceError as exc:
                self.message_user(request, f"{name}: {exc.message}", messages.ERROR)
                continue
            self.message_user(request, f"{name}: queued as run #{run.pk} ({run.get_status_display().lower()}).")

    def has_add_permission(self, request):
        return False


def _distinct_runs(queryset):
    """(name, params) of the selected runs, each once, in name order."""
    seen = {(run.name, json.dumps(run.params, sort_keys=True)) for run in queryset.only("name", "params")}
    return [(name, json.loads(params)) for name, params in sorted(seen)]
