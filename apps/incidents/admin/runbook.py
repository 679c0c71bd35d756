from django.contrib import admin
from django.urls import path

from apps.events.admin_configuration import AuditedConfigurationAdmin
from apps.incidents.admin import console
from apps.incidents.models import Runbook


@admin.register(Runbook)
class RunbookAdmin(AuditedConfigurationAdmin):
    """Loaded by a data migration, edited here; incidents and Error Center events link to it."""

    list_display = ["title", "slug", "check_list", "code_list", "updated_at"]
    search_fields = ["title", "slug", "symptom"]
    fields = ["slug", "title", "symptom", "impact", "checks", "fix", "evidence", "codes"]

    def has_delete_permission(self, request, obj=None):
        """Event codes name runbooks by slug: retire one by editing it, not by deleting it."""
        return False

    @admin.display(description="Checks")
    def check_list(self, obj):
        return ", ".join(obj.checks) or "-"

    @admin.display(description="Codes")
    def code_list(self, obj):
        return ", ".join(obj.codes) or "-"

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("by-slug/<slug:slug>/", wrap(console.runbook_by_slug), name="incidents_runbook_by_slug"),
            *super().get_urls(),
        ]
