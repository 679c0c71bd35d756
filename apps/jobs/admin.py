from django.contrib import admin, messages

from apps.core.admin_display import pretty_json
from apps.jobs import registry, services
from apps.jobs.models import WorkerRun


@admin.register(WorkerRun)
class WorkerRunAdmin(admin.ModelAdmin):
    list_display = ["name", "status", "trigger", "started_at", "duration_ms", "short_error"]
    list_filter = ["status", "name", "trigger", ("started_at", admin.DateFieldListFilter)]
    search_fields = ["name", "error", "correlation_id"]
    date_hierarchy = "started_at"
    show_full_result_count = False
    readonly_fields = [
        "name",
        "status",
        "trigger",
        "started_at",
        "finished_at",
        "duration_ms",
        "counts_json",
        "error",
        "correlation_id",
    ]
    exclude = ["counts"]
    actions = ["run_again"]

    @admin.display(description="Error")
    def short_error(self, obj):
        return obj.error.splitlines()[0][:100] if obj.error else ""

    @admin.display(description="Counts")
    def counts_json(self, obj):
        return pretty_json(obj.counts)

    @admin.action(description="Run these jobs again now", permissions=["change"])
    def run_again(self, request, queryset):
        for name in sorted(set(queryset.values_list("name", flat=True))):
            if name not in {job.name for job in registry.all_jobs()}:
                self.message_user(request, f"{name} is not a registered job.", messages.WARNING)
                continue
            run = services.run_job(name, trigger="manual")
            level = messages.SUCCESS if run.status == WorkerRun.Status.SUCCEEDED else messages.ERROR
            self.message_user(request, f"{name}: {run.status} {run.counts or ''} {run.error[:200]}", level)

    def has_add_permission(self, request):
        return False
