from django import forms
from django.contrib import admin
from django.db.models import Count
from django.urls import path

from apps.events.admin_configuration import AuditedConfigurationAdmin, AuditedInlinesMixin
from apps.incidents.admin import console
from apps.incidents.checklists import registry
from apps.incidents.models import ChecklistItem, Runbook

BY_HAND = [("", "— none: a person ticks it by hand —")]


class ChecklistItemInline(admin.TabularInline):
    """The runbook's checklists: each line a registered check or a manual tick, in its stage."""

    model = ChecklistItem
    extra = 1
    fields = ["stage", "position", "label", "check_name", "params"]
    verbose_name = "checklist item"
    verbose_name_plural = "checklists (restore automation gates resolve, post-outage verification gates close)"

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "check_name":
            choices = BY_HAND + [(spec.name, f"{spec.label} ({spec.name})") for spec in registry.all_checks()]
            return forms.ChoiceField(choices=choices, required=False, label="Check")
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(Runbook)
class RunbookAdmin(AuditedInlinesMixin, AuditedConfigurationAdmin):
    """Loaded by a data migration, edited here; incidents and Error Center events link to it."""

    list_display = ["title", "slug", "check_list", "code_list", "checklist_size", "updated_at"]
    search_fields = ["title", "slug", "symptom"]
    fields = ["slug", "title", "symptom", "impact", "checks", "fix", "evidence", "codes"]
    inlines = [ChecklistItemInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(checklist_items_count=Count("checklist_items"))

    @admin.display(description="Checklist items", ordering="checklist_items_count")
    def checklist_size(self, obj):
        return obj.checklist_items_count or "-"

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
