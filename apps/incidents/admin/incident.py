"""The incident list (queues and filters) whose rows open the console (admin/console.py)."""

from django.contrib import admin
from django.db.models import Case, CharField, IntegerField, Value, When
from django.urls import path
from django.utils import timezone

from apps.core import zones
from apps.core.admin_display import ReadOnlyAdminMixin, admin_link
from apps.incidents.admin import console
from apps.incidents.models import OPEN_STATUSES, Incident, Notification

OPEN_FIRST = Case(When(status__in=OPEN_STATUSES, then=Value(0)), default=Value(1), output_field=IntegerField())
SEVERITY_WHILE_OPEN = Case(When(status__in=OPEN_STATUSES, then="severity"), default=Value(""), output_field=CharField())


class QueueFilter(admin.SimpleListFilter):
    title = "queue"
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [
            ("open", "Open"),
            ("mine", "Mine (open)"),
            ("unacknowledged", "Unacknowledged (open)"),
            ("postmortem_overdue", "Postmortem overdue"),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "open":
            return queryset.open()
        if value == "mine":
            return queryset.open().filter(owner=request.user)
        if value == "unacknowledged":
            return queryset.open().filter(acknowledged_at__isnull=True)
        if value == "postmortem_overdue":
            return queryset.postmortem_overdue()
        return queryset


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "title",
        "severity",
        "status",
        "owner",
        "detection_method",
        "tenant_count",
        "subject_tenant_link",
        "detected_at",
        "escalation_level",
        "postmortem_state",
    ]
    list_display_links = ["id", "title"]
    list_filter = [QueueFilter, "severity", "status", ("owner", admin.RelatedOnlyFieldListFilter), "detection_method"]
    search_fields = ["=id", "title", "dedup_key"]
    list_select_related = ["owner", "postmortem", "subject_tenant"]
    show_full_result_count = False
    list_per_page = 100

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("affected_tenants")

    def get_ordering(self, request):
        """Open incidents first, the most severe (sev1) on top, then the newest; resolved and
        closed ones after them, newest first. A column header click sorts by that column instead."""
        return [OPEN_FIRST.asc(), SEVERITY_WHILE_OPEN.asc(), "-detected_at"]

    def has_delete_permission(self, request, obj=None):
        """Incidents are records: they are closed, never deleted."""
        return False

    @admin.display(description="Tenants")
    def tenant_count(self, obj):
        return len(obj.affected_tenants.all())

    @admin.display(description="About tenant", ordering="subject_tenant__name")
    def subject_tenant_link(self, obj):
        return admin_link(obj.subject_tenant)

    @admin.display(description="Postmortem")
    def postmortem_state(self, obj):
        if obj.has_postmortem:
            return "written"
        if obj.postmortem_overdue(timezone.now()):
            return "OVERDUE"
        return f"due {zones.when(obj.postmortem_due_at)}" if obj.postmortem_due_at else "-"

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:incident_id>/act/<str:operation>/", wrap(console.console_action), name="incidents_incident_act"),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        return console.add_view(request, self)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return console.console_view(request, self, object_id)


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "created_at",
        "incident_link",
        "told",
        "channel",
        "recipient",
        "reason",
        "status",
        "attempts",
        "short_error",
    ]
    list_filter = ["status", "channel", "level", "role", "reason"]
    search_fields = ["recipient", "=incident__id"]
    list_select_related = ["incident"]
    show_full_result_count = False
    fields = [
        "incident_link",
        "level",
        "role",
        "rule",
        "channel",
        "reason",
        "recipient",
        "subject",
        "body",
        "status",
        "attempts",
        "error",
        "created_at",
        "sent_at",
    ]
    readonly_fields = fields

    @admin.display(description="Incident")
    def incident_link(self, obj):
        return admin_link(obj.incident)

    @admin.display(description="Told", ordering="level")
    def told(self, obj):
        """The on-call level (severity policies) or the role (escalation rules)."""
        return obj.get_level_display() if obj.level else obj.get_role_display() or "-"

    @admin.display(description="Error")
    def short_error(self, obj):
        return obj.error[:100]
