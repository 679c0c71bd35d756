from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from apps.core.admin_display import ReadOnlyAdminMixin
from apps.incidents.models import Incident

LINKED_EVENTS_SHOWN = 100


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Minimal incident admin, read-only until the Incidents issue adds its service-backed actions."""

    list_display = ["id", "title", "severity", "status", "detection_method", "tenant_count", "detected_at"]
    list_display_links = ["id", "title"]
    list_filter = ["severity", "status", "detection_method"]
    search_fields = ["title"]
    show_full_result_count = False
    fields = ["title", "severity", "status", "detection_method", "dedup_key", "codes", "owner", "tenants",
              "started_at", "detected_at", "acknowledged_at", "mitigated_at", "resolved_at", "closed_at",
              "linked_events"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("affected_tenants")

    @admin.display(description="Tenants")
    def tenant_count(self, obj):
        return len(obj.affected_tenants.all())

    @admin.display(description="Affected tenants")
    def tenants(self, obj):
        tenants = obj.affected_tenants.all()
        if not tenants:
            return "-"
        return format_html_join(", ", '<a href="{}">{}</a>', (
            (reverse("admin:tenants_tenant_change", args=[tenant.pk]), tenant.name) for tenant in tenants))

    @admin.display(description="Linked events")
    def linked_events(self, obj):
        events = obj.events.select_related("tenant").order_by("-occurred_at")[:LINKED_EVENTS_SHOWN]
        if not events:
            return "-"
        rows = format_html_join("", '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td></tr>', (
            (reverse("admin:events_systemevent_change", args=[event.pk]),
             event.occurred_at.strftime("%Y-%m-%d %H:%M:%S"),
             event.code, event.tenant.name if event.tenant_id else "platform", event.message[:120])
            for event in events))
        all_url = reverse("admin:events_systemevent_changelist") + f"?incident__id__exact={obj.pk}"
        return format_html(
            '<table class="linked-events"><thead><tr><th>Occurred</th><th>Code</th><th>Tenant</th><th>Message</th>'
            '</tr></thead><tbody>{}</tbody></table><p><a href="{}">All linked events</a></p>', rows, all_url)
