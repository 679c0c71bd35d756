from django.contrib import admin

from apps.core.admin_display import admin_link, pretty_json
from apps.events.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The audit log: read-only, searchable, filterable. No add, change or delete."""

    list_display = ["occurred_at", "action", "actor_label", "tenant_label", "target_label", "short_reason", "ip_address"]
    list_filter = ["action", "tenant_label", ("occurred_at", admin.DateFieldListFilter)]
    search_fields = ["action", "actor_label", "tenant_label", "target_label", "target_id", "reason", "correlation_id",
                     "ip_address"]
    date_hierarchy = "occurred_at"
    show_full_result_count = False
    list_per_page = 100
    fields = ["occurred_at", "action", "actor_label", "actor_link", "tenant_label", "tenant_link", "target_type",
              "target_id", "target_label", "reason", "before_json", "after_json", "ip_address", "correlation_id"]
    readonly_fields = fields

    @admin.display(description="Reason")
    def short_reason(self, obj):
        return (obj.reason[:80] + "…") if len(obj.reason) > 80 else obj.reason

    @admin.display(description="Actor")
    def actor_link(self, obj):
        return admin_link(obj.actor) if obj.actor_id else "-"

    @admin.display(description="Tenant")
    def tenant_link(self, obj):
        from apps.tenants.models import Tenant

        return admin_link(Tenant.objects.filter(pk=obj.tenant_id).first()) if obj.tenant_id else "-"

    @admin.display(description="Before")
    def before_json(self, obj):
        return pretty_json(obj.before)

    @admin.display(description="After")
    def after_json(self, obj):
        return pretty_json(obj.after)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
