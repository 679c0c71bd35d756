"""AI draft settings per project source, changed through apps.drafts.services (audited)."""

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from apps.core import zones
from apps.core.admin_display import admin_link
from apps.core.errors import ServiceError
from apps.drafts import services
from apps.drafts.forms import INBOX_HELP, inbox_list
from apps.drafts.models import AIDraft, DraftSettings
from apps.knowledge.models import ProjectSource

FIELDS = ["enabled", "inbox_text", "system_prompt", "tone", "min_score", "min_hits"]


class DraftSettingsForm(forms.ModelForm):
    inbox_text = forms.CharField(label="Inboxes", required=False, help_text=INBOX_HELP)

    class Meta:
        model = DraftSettings
        fields = ["source", "enabled", "system_prompt", "tone", "min_score", "min_hits"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["inbox_text"] = ", ".join(map(str, self.instance.inbox_ids))
        if "source" in self.fields:
            taken = DraftSettings.objects.values_list("source_id", flat=True)
            self.fields["source"].queryset = ProjectSource.objects.exclude(pk__in=taken).select_related("project")

    def clean_inbox_text(self):
        return inbox_list(self.cleaned_data["inbox_text"])

    def values(self) -> dict:
        data = {name: self.cleaned_data[name] for name in FIELDS if name != "inbox_text"}
        return {**data, "inbox_ids": self.cleaned_data["inbox_text"]}


@admin.register(DraftSettings)
class DraftSettingsAdmin(admin.ModelAdmin):
    form = DraftSettingsForm
    list_display = ["source", "tenant", "enabled", "inboxes", "tone", "floor", "draft_counts", "changed"]
    list_filter = ["enabled", "tone", "tenant"]
    search_fields = ["source__project__name", "source__project__slug", "tenant__slug", "tenant__name"]
    readonly_fields = ["tenant", "source_link", "updated_by", "changed", "support_loop"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("tenant", "source__project", "source__connection")

    def get_fields(self, request, obj=None):
        head = ["source_link", "tenant"] if obj else ["source"]
        return head + FIELDS + (["updated_by", "changed", "support_loop"] if obj else [])

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        source = obj.source if change else form.cleaned_data["source"]
        try:
            saved = services.update_settings(source, by=request.user, request=request, **form.values())
        except ServiceError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        obj.pk, obj.tenant_id = saved.pk, saved.tenant_id

    @admin.display(description="inboxes")
    def inboxes(self, obj):
        return ", ".join(map(str, obj.inbox_ids)) or "every inbox"

    @admin.display(description="confidence floor")
    def floor(self, obj):
        return f"{obj.min_hits} hit(s) at score ≥ {obj.min_score}"

    @admin.display(description="drafts (proposed / published / no knowledge)")
    def draft_counts(self, obj):
        rows = AIDraft.objects.filter(source_id=obj.source_id)
        counts = [rows.filter(status=s).count() for s in ("proposed", "published", "no_knowledge")]
        return " / ".join(map(str, counts))

    @admin.display(description="support-loop check")
    def support_loop(self, obj):
        url = reverse("admin:drafts_aidraft_support_loop", args=[obj.source_id])
        return format_html('<a class="button" href="{}">Run the support-loop check…</a>', url)

    @admin.display(description="source")
    def source_link(self, obj):
        return admin_link(obj.source)

    @admin.display(description="changed")
    def changed(self, obj):
        return format_html("{} by {}", zones.when(obj.updated_at) or "-", obj.updated_by or "-")


from apps.drafts import admin_drafts  # noqa: E402,F401 (the AI draft pages)
