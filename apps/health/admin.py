from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from apps.backups import display as backup_display
from apps.core import zones
from apps.core.admin_actions import confirmed_action
from apps.core.admin_display import ReadOnlyAdminMixin, admin_link, pretty_json
from apps.health import maintenance, services
from apps.health.models import (
    HealthMonitor,
    HeartbeatCheck,
    InboundSilence,
    MaintenanceWindow,
    MonitorResult,
    SuppressedAlert,
)

HISTORY_ROWS = 25
STATE_COLOURS = {"healthy": "#1e7e34", "failing": "#b8860b", "down": "#b00020", "unknown": "#666"}


def _state_badge(state, label):
    return format_html('<strong style="color:{}">{}</strong>', STATE_COLOURS.get(state, "#666"), label)


class RunNowForm(forms.Form):
    """Nothing to fill in: the page lists the monitors to run and asks to confirm."""


def _run_now(monitor, data, request):
    outcome = services.run_monitor(monitor)
    level = messages.SUCCESS if outcome.result.ok else messages.WARNING
    messages.add_message(request, level, f"{monitor.name}: {outcome.result.status} — {outcome.result.detail}")


@admin.register(HealthMonitor)
class HealthMonitorAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "kind",
        "state_badge",
        "consecutive_failures",
        "last_checked_at",
        "last_latency_ms",
        "latest_detail",
        "incident_link",
        "is_platform",
        "enabled",
    ]
    list_filter = ["state", "kind", "is_platform", "enabled"]
    search_fields = ["name", "key", "check_name", "tenant__slug", "tenant__name"]
    list_select_related = ["incident", "tenant"]
    fields = [
        "name",
        "enabled",
        "is_platform",
        "key",
        "kind",
        "check_name",
        "connection_link",
        "tenant_link",
        "state_badge",
        "consecutive_failures",
        "last_checked_at",
        "last_ok_at",
        "last_latency_ms",
        "last_detail",
        "incident_link",
        "history",
    ]
    readonly_fields = [field for field in fields if field not in ("name", "enabled", "is_platform")]
    actions = [
        confirmed_action(
            description="Run now", apply=_run_now, form_class=RunNowForm, permissions=("view",), success="Ran"
        )
    ]

    def has_add_permission(self, request):
        return False  # monitors are created by the sync on every run

    def has_delete_permission(self, request, obj=None):
        return False  # disable instead: a deleted connection monitor would be recreated

    def changelist_view(self, request, extra_context=None):
        """Above the monitors: the last backup and restore drill (runbook "Database lost")."""
        backups = {"backups": backup_display.summary(), "can_run": request.user.has_perm("jobs.change_workerrun")}
        return super().changelist_view(request, {**(extra_context or {}), **backups})

    @admin.display(description="State", ordering="state")
    def state_badge(self, obj):
        return _state_badge(obj.state, obj.get_state_display())

    @admin.display(description="Latest result")
    def latest_detail(self, obj):
        return (obj.last_detail or "-")[:120]

    @admin.display(description="Incident")
    def incident_link(self, obj):
        return admin_link(obj.incident) if obj.incident_id else "-"

    @admin.display(description="Connection")
    def connection_link(self, obj):
        if not obj.connection_id:
            return "-"
        warning = obj.connection.unsigned_warning()
        return (
            format_html('{}<br><strong style="color:#b91c1c">{}</strong>', admin_link(obj.connection), warning)
            if warning
            else admin_link(obj.connection)
        )

    @admin.display(description="Tenant")
    def tenant_link(self, obj):
        return admin_link(obj.tenant) if obj.tenant_id else "platform"

    @admin.display(description=f"History (latest {HISTORY_ROWS})")
    def history(self, obj):
        results = obj.results.all()[:HISTORY_ROWS]
        if not results:
            return "No runs yet."
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (zones.when(r.at, "s"), r.status, "-" if r.latency_ms is None else f"{r.latency_ms} ms", r.detail[:200])
                for r in results
            ),
        )
        url = reverse("admin:health_monitorresult_changelist") + f"?monitor__id__exact={obj.pk}"
        return format_html(
            "<table><thead><tr><th>At</th><th>Status</th><th>Latency</th><th>Detail</th></tr></thead>"
            '<tbody>{}</tbody></table><p><a href="{}">All results of this monitor</a></p>',
            rows,
            url,
        )

    def save_model(self, request, obj, form, change):
        changed = {
            key: form.cleaned_data[key] for key in form.changed_data if key in ("name", "enabled", "is_platform")
        }
        if changed:
            services.update_monitor(
                HealthMonitor.objects.get(pk=obj.pk), actor=request.user, request=request, **changed
            )


@admin.register(MonitorResult)
class MonitorResultAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["at", "monitor_link", "status", "latency_ms", "short_detail"]
    list_filter = ["status", "monitor__kind", "monitor__is_platform"]
    search_fields = ["monitor__name", "monitor__key", "detail"]
    list_select_related = ["monitor"]
    date_hierarchy = "at"
    show_full_result_count = False
    fields = ["monitor_link", "status", "ok", "latency_ms", "detail", "value_pretty", "at"]
    readonly_fields = fields

    @admin.display(description="Monitor", ordering="monitor__name")
    def monitor_link(self, obj):
        return admin_link(obj.monitor)

    @admin.display(description="Detail")
    def short_detail(self, obj):
        return obj.detail[:150]

    @admin.display(description="Value")
    def value_pretty(self, obj):
        return pretty_json(obj.value)


class MaintenanceWindowForm(forms.ModelForm):
    short_notice_reason = forms.CharField(
        required=False,
        max_length=500,
        help_text="Only for a window that starts within the notice period (an emergency): why it cannot wait.",
    )

    def clean(self):
        cleaned = super().clean()
        planned = MaintenanceWindow(
            pk=self.instance.pk, recurrence=cleaned.get("recurrence"), starts_at=cleaned.get("starts_at")
        )
        problem = maintenance.notice_problem(planned)
        if problem and not cleaned.get("short_notice_reason", "").strip():
            self.add_error("starts_at", problem)
        return cleaned

    class Meta:
        model = MaintenanceWindow
        fields = [
            "title",
            "public_note",
            "recurrence",
            "monitor",
            "starts_at",
            "ends_at",
            "weekday",
            "start_time",
            "end_time",
            "enabled",
        ]
        help_texts = {"monitor": "Empty: platform-wide (also holds Error Center spikes and alert-rule incidents)."}


@admin.register(MaintenanceWindow)
class MaintenanceWindowAdmin(admin.ModelAdmin):
    form = MaintenanceWindowForm
    list_display = ["title", "recurrence", "schedule", "scope", "active_now", "enabled", "suppressed_link"]
    list_filter = ["recurrence", "enabled", ("monitor", admin.EmptyFieldListFilter)]
    search_fields = ["title", "public_note", "monitor__name"]
    list_select_related = ["monitor"]
    autocomplete_fields = ["monitor"]

    @admin.display(description="When")
    def schedule(self, obj):
        return obj.schedule_label

    @admin.display(description="Scope")
    def scope(self, obj):
        return obj.scope_label

    @admin.display(description="Active now", boolean=True)
    def active_now(self, obj):
        return obj.covers(timezone.now())

    @admin.display(description="Suppressed")
    def suppressed_link(self, obj):
        url = reverse("admin:health_suppressedalert_changelist") + f"?window__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, obj.suppressed.count())

    def save_model(self, request, obj, form, change):
        maintenance.save_window(  # the form already ran clean()
            obj,
            actor=request.user,
            request=request,
            short_notice_reason=form.cleaned_data.get("short_notice_reason", ""),
        )

    def delete_model(self, request, obj):
        maintenance.delete_window(obj, actor=request.user, request=request)

    def delete_queryset(self, request, queryset):
        for window in queryset:
            maintenance.delete_window(window, actor=request.user, request=request)


@admin.register(SuppressedAlert)
class SuppressedAlertAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["at", "title", "source", "window_link", "monitor_link", "count", "last_at"]
    list_filter = ["source"]
    search_fields = ["title", "dedup_key", "window_title"]
    list_select_related = ["window", "monitor"]
    date_hierarchy = "at"
    show_full_result_count = False
    fields = ["title", "source", "dedup_key", "window_link", "monitor_link", "at", "last_at", "count", "detail_pretty"]
    readonly_fields = fields

    @admin.display(description="Window")
    def window_link(self, obj):
        return admin_link(obj.window) if obj.window_id else f"{obj.window_title} (deleted)"

    @admin.display(description="Monitor")
    def monitor_link(self, obj):
        return admin_link(obj.monitor) if obj.monitor_id else "-"

    @admin.display(description="Detail")
    def detail_pretty(self, obj):
        return pretty_json(obj.detail)


@admin.register(HeartbeatCheck)
class HeartbeatCheckAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Tenants manage their checks in the portal; operators see them here."""

    list_display = ["name", "tenant_link", "status", "period", "grace", "last_ping_at", "alerted_at"]
    list_filter = ["status"]
    search_fields = ["name", "tenant__name", "tenant__slug"]
    list_select_related = ["tenant"]
    fields = ["name", "tenant_link", "status", "ping_key", "period", "grace", "last_ping_at", "last_start_at"]
    fields += ["alerted_at", "created_at"]
    readonly_fields = fields

    @admin.display(description="Tenant", ordering="tenant__name")
    def tenant_link(self, obj):
        return admin_link(obj.tenant)


@admin.register(InboundSilence)
class InboundSilenceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["connection_link", "tenant_link", "last_received_at", "expected", "detected_at", "resolved_at"]
    list_filter = [("resolved_at", admin.EmptyFieldListFilter)]
    search_fields = ["tenant__name", "connection__name"]
    list_select_related = ["tenant", "connection"]
    date_hierarchy = "detected_at"
    fields = ["connection_link", "tenant_link", "last_received_at", "expected", "detected_at", "resolved_at"]
    readonly_fields = fields

    @admin.display(description="Connection")
    def connection_link(self, obj):
        return admin_link(obj.connection)

    @admin.display(description="Tenant", ordering="tenant__name")
    def tenant_link(self, obj):
        return admin_link(obj.tenant)

    @admin.display(description="Usually brings (events)")
    def expected(self, obj):
        return f"{obj.expected_events:.0f}"
