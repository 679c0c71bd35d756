"""Backups and restore drills in the admin: read-only records (services write them), readable sizes,
durations and UTC times, links between a backup and its drills, and the buttons that queue a backup
or a drill for a worker (confirmed on the Jobs page's confirmation page, audited)."""

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from apps.backups.display import megabytes, seconds
from apps.backups.models import Backup, BackupDrill
from apps.core import zones
from apps.core.admin_actions import confirmed_action
from apps.core.admin_display import admin_link, pretty_json
from apps.core.errors import ServiceError
from apps.jobs import services as jobs

DRILL_JOB = "backups.restore_drill"
RUN = "jobs.change_workerrun"


class DrillForm(forms.Form):
    reason = forms.CharField(required=False, max_length=500, help_text="Optional: why, for the audit log.")


def _drill_this(backup, data, request):
    if not request.user.has_perm(RUN):
        raise ServiceError("Queuing a drill needs the right to run jobs.", "forbidden")
    if not backup.available:
        raise ServiceError("It is not stored (failed, or deleted by retention): nothing to restore.", "not_stored")
    run = jobs.enqueue(
        DRILL_JOB, trigger="admin", params={"backup_id": backup.pk}, request=request, reason=data["reason"]
    )
    messages.success(request, f"Restore drill of {backup} queued as run #{run.pk}.")


class TimesMixin:
    @admin.display(description="Started (UTC)", ordering="started_at")
    def started(self, obj):
        return zones.when(obj.started_at, "s")

    @admin.display(description="Finished (UTC)", ordering="finished_at")
    def finished(self, obj):
        return zones.when(obj.finished_at, "s") or "-"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        buttons = {
            "backup_url": reverse("jobs-run", args=["backup"]),
            "drill_url": reverse("jobs-run", args=["drill"]),
            "can_run": request.user.has_perm(RUN),
        }
        return super().changelist_view(request, {**(extra_context or {}), **buttons})


@admin.register(Backup)
class BackupAdmin(TimesMixin, admin.ModelAdmin):
    list_display = [
        "__str__",
        "status",
        "started",
        "size",
        "duration",
        "encrypted",
        "kept",
        "last_drill",
        "short_error",
    ]
    list_filter = ["status", "encrypted", "vendor", "storage", "trigger", ("deleted_at", admin.EmptyFieldListFilter)]
    search_fields = ["file_name", "sha256", "error"]
    date_hierarchy = "started_at"
    fields = [
        "file_name",
        "status",
        "storage",
        "vendor",
        "encrypted",
        "size",
        "sha256",
        "trigger",
        "started",
        "finished",
        "duration",
        "kept",
        "error",
        "drills_list",
        "manifest_pretty",
    ]
    readonly_fields = fields
    actions = [
        confirmed_action(
            description="Run a restore drill of the selected backup now (queued)",
            apply=_drill_this,
            form_class=DrillForm,
            permissions=("view",),
            success="Drill queued",
        )
    ]

    @admin.display(description="Size", ordering="size_bytes")
    def size(self, obj):
        return megabytes(obj.size_bytes)

    @admin.display(description="Duration", ordering="duration_ms")
    def duration(self, obj):
        return seconds(obj.duration_ms / 1000 if obj.duration_ms is not None else None)

    @admin.display(description="Retention")
    def kept(self, obj):
        if obj.deleted_at:
            return f"deleted {zones.when(obj.deleted_at)}"
        return f"kept ({obj.kept_as})" if obj.kept_as else "-"

    @admin.display(description="Last drill")
    def last_drill(self, obj):
        drill = obj.drills.order_by("-started_at").first()
        return admin_link(drill, f"{drill.get_status_display()} {zones.when(drill.started_at)}") if drill else "-"

    @admin.display(description="Error")
    def short_error(self, obj):
        return obj.error.splitlines()[0][:120] if obj.error else ""

    @admin.display(description="Restore drills")
    def drills_list(self, obj):
        drills = obj.drills.order_by("-started_at")[:20]
        if not drills:
            return "none yet"
        rows = ((admin_link(d, f"#{d.pk}"), d.get_status_display(), zones.when(d.started_at)) for d in drills)
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{} {} — {}</li>", rows))

    @admin.display(description="Manifest")
    def manifest_pretty(self, obj):
        return pretty_json(obj.manifest)


@admin.register(BackupDrill)
class BackupDrillAdmin(TimesMixin, admin.ModelAdmin):
    list_display = ["__str__", "status", "backup_link", "started", "restore", "total", "failed_check", "short_error"]
    list_filter = ["status", "failed_check", "trigger"]
    search_fields = ["error", "backup__file_name", "scratch_database"]
    date_hierarchy = "started_at"
    fields = [
        "status",
        "backup_link",
        "trigger",
        "scratch_database",
        "started",
        "finished",
        "restore",
        "total",
        "failed_check",
        "error",
        "checks_table",
    ]
    readonly_fields = fields
    list_select_related = ["backup"]

    @admin.display(description="Backup")
    def backup_link(self, obj):
        return admin_link(obj.backup)

    @admin.display(description="Restore (RTO evidence)", ordering="restore_seconds")
    def restore(self, obj):
        return seconds(obj.restore_seconds)

    @admin.display(description="Total", ordering="total_seconds")
    def total(self, obj):
        return seconds(obj.total_seconds)

    @admin.display(description="Error")
    def short_error(self, obj):
        return obj.error[:120]

    @admin.display(description="Checks")
    def checks_table(self, obj):
        rows = ((c["name"], "ok" if c["ok"] else "FAILED", c["detail"]) for c in obj.checks)
        body = format_html_join("", "<tr><th scope='row'>{}</th><td>{}</td><td>{}</td></tr>", rows)
        return format_html(
            "<table><thead><tr><th>Check</th><th>Result</th><th>Detail</th></tr></thead>{}</table>", body
        )
