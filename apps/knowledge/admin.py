"""Knowledge projects and their Chatwoot sources (changed through apps.knowledge.services, the sync
queued through the jobs service), and read-only lists of what the sync and the chunker stored."""

from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from apps.core import zones
from apps.core.admin_actions import ReasonForm, confirmed_action
from apps.core.admin_display import ReadOnlyAdminMixin, admin_link
from apps.core.errors import ServiceError
from apps.jobs import services as jobs
from apps.knowledge import services, sync
from apps.knowledge.models import ChatwootConversation, ChatwootMessage, Chunk, Project, ProjectSource

SYNC_JOB = "knowledge.sync_chatwoot"


def _when(value):
    return zones.when(value) or "-"


def _changelist(model, label, **filters):
    url = reverse(f"admin:knowledge_{model}_changelist")
    query = "&".join(f"{key}={value}" for key, value in filters.items())
    return format_html('<a href="{}?{}">{}</a>', url, query, label)


# --- projects ---------------------------------------------------------------------------------------


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = ["tenant", "slug", "name"]


def _sync_project(project, data, request):
    jobs.enqueue(SYNC_JOB, trigger="manual", params={"project_id": project.pk}, request=request, reason=data["reason"])


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    form = ProjectForm
    actions = [
        confirmed_action(
            description="Sync now (queue the Chatwoot sync of these projects)",
            apply=_sync_project,
            form_class=ReasonForm,
            success="Sync queued",
        )
    ]
    list_display = ["name", "slug", "tenant", "source_count", "message_count", "chunk_state", "created"]
    list_filter = ["tenant"]
    search_fields = ["name", "slug", "tenant__slug", "tenant__name"]
    readonly_fields = ["sources_list", "message_count", "chunk_state", "draft_figures"]

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("tenant").annotate(sources_n=Count("sources", distinct=True))
        )

    @admin.display(description="AI drafts")
    def draft_figures(self, obj):
        """The support lead's figures of this project's AI drafts (apps.drafts' admin page)."""
        url = reverse("admin:drafts_aidraft_metrics")
        return format_html('<a href="{}?project={}&amp;days=7">Figures, last 7 days</a>', url, obj.pk)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields + (["tenant", "slug"] if obj else [])

    def get_fields(self, request, obj=None):
        return ["tenant", "slug", "name"] + (self.readonly_fields if obj else [])

    def save_model(self, request, obj, form, change):
        if change:
            services.rename_project(obj, form.cleaned_data["name"], request=request)
            return
        try:
            saved = services.create_project(
                form.cleaned_data["tenant"], form.cleaned_data["slug"], name=form.cleaned_data["name"], request=request
            )
        except ServiceError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        obj.pk = saved.pk
        obj.refresh_from_db()

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="sources", ordering="sources_n")
    def source_count(self, obj):
        return _changelist("projectsource", obj.sources_n, project__id__exact=obj.pk)

    @admin.display(description="messages synced")
    def message_count(self, obj):
        return _changelist("chatwootmessage", obj.messages.count(), project__id__exact=obj.pk)

    @admin.display(description="chunks (pending / ready / failed)")
    def chunk_state(self, obj):
        counts = dict(obj.chunks.values_list("embedding_status").annotate(n=Count("id")))
        status = Chunk.EmbeddingStatus
        return " / ".join(str(counts.get(s, 0)) for s in (status.PENDING, status.READY, status.FAILED))

    @admin.display(description="created")
    def created(self, obj):
        return _when(obj.created_at)

    @admin.display(description="sources")
    def sources_list(self, obj):
        sources = obj.sources.select_related("connection")
        return format_html_join(mark_safe("<br>"), "{}", ((admin_link(s, s.connection.name),) for s in sources)) or "-"


# --- sources --------------------------------------------------------------------------------------------


class SourceForm(forms.ModelForm):
    inbox_text = forms.CharField(
        label="inbox IDs",
        required=False,
        help_text="Chatwoot inbox ids, separated by commas or spaces. Empty: every inbox of the account.",
    )

    class Meta:
        model = ProjectSource
        fields = ["project", "connection", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["inbox_text"] = ", ".join(map(str, self.instance.inbox_ids))
        if "connection" in self.fields:
            self.fields["connection"].queryset = self.fields["connection"].queryset.filter(provider="chatwoot")

    def clean(self):
        data = super().clean()
        if not self.instance.pk and data.get("project") and data.get("connection"):
            try:
                services.check_connection(data["project"], data["connection"])
            except ServiceError as exc:
                self.add_error("connection", exc.message)
        return data

    def clean_inbox_text(self):
        try:
            return services.inbox_list(self.cleaned_data["inbox_text"].replace(",", " ").split())
        except ServiceError as exc:
            raise forms.ValidationError(exc.message) from None


def _sync_now(source, data, request):
    jobs.enqueue(
        SYNC_JOB, trigger="manual", params={"project_id": source.project_id}, request=request, reason=data["reason"]
    )


def _deactivate(source, data, request):
    services.deactivate_source(source, request=request)


@admin.register(ProjectSource)
class ProjectSourceAdmin(admin.ModelAdmin):
    form = SourceForm
    list_display = ["__str__", "tenant", "inboxes", "is_active", "sync_state", "last_success", "watermark_at"]
    list_filter = ["is_active", "tenant", "project"]
    search_fields = ["project__name", "project__slug", "connection__name", "tenant__slug"]
    readonly_fields = [
        "tenant",
        "sync_state",
        "watermark_at",
        "last_sync",
        "last_success",
        "consecutive_failures",
        "last_error",
        "synced",
    ]
    actions = [
        confirmed_action(
            description="Sync now (queue the Chatwoot sync of these sources' projects)",
            apply=_sync_now,
            form_class=ReasonForm,
            success="Sync queued",
        ),
        confirmed_action(description="Stop syncing (deactivate)", apply=_deactivate, form_class=ReasonForm),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("tenant", "project", "connection")

    def get_fields(self, request, obj=None):
        editable = ["project", "connection", "inbox_text", "is_active"] if obj is None else ["inbox_text", "is_active"]
        return (["project", "connection"] if obj else []) + editable + (self.readonly_fields if obj else [])

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields + (["project", "connection"] if obj else [])

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            if change:
                services.update_source(obj, inbox_ids=data["inbox_text"], is_active=data["is_active"], request=request)
                return
            saved = services.add_source(
                data["project"], data["connection"], inbox_ids=data["inbox_text"], request=request
            )
        except ServiceError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        obj.pk = saved.pk
        obj.refresh_from_db()

    def delete_model(self, request, obj):
        services.remove_source(obj, request=request)

    def delete_queryset(self, request, queryset):
        for source in queryset:
            services.remove_source(source, request=request)

    @admin.display(description="inboxes")
    def inboxes(self, obj):
        return ", ".join(map(str, obj.inbox_ids)) or "all"

    @admin.display(description="sync")
    def sync_state(self, obj):
        if not obj.is_active:
            return "inactive"
        if sync.is_failing(obj):
            return format_html(
                '<strong style="color:#ba2121">failing ({} runs in a row)</strong>', obj.consecutive_failures
            )
        if obj.consecutive_failures:
            return f"last run failed ({obj.consecutive_failures} in a row)"
        return "ok" if obj.last_success_at else "never synced"

    @admin.display(description="newest activity synced", ordering="watermark")
    def watermark_at(self, obj):
        return _when(obj.watermark)

    @admin.display(description="last run", ordering="last_sync_at")
    def last_sync(self, obj):
        return _when(obj.last_sync_at)

    @admin.display(description="last success", ordering="last_success_at")
    def last_success(self, obj):
        return _when(obj.last_success_at)

    @admin.display(description="synced")
    def synced(self, obj):
        conversations = _changelist(
            "chatwootconversation", f"{obj.conversations.count()} conversations", source__id__exact=obj.pk
        )
        messages_link = _changelist("chatwootmessage", f"{obj.messages.count()} messages", source__id__exact=obj.pk)
        return format_html("{} · {}", conversations, messages_link)


# --- what the sync and the chunker stored (read-only) -----------------------------------------------


class ReadOnlyList(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_per_page = 50


@admin.register(ChatwootConversation)
class ChatwootConversationAdmin(ReadOnlyList):
    list_display = ["conversation_id", "project", "tenant", "inbox_id", "status", "contact_name", "activity", "synced"]
    list_filter = ["status", "project", "tenant"]
    search_fields = ["=conversation_id", "contact_name"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("project", "tenant")

    @admin.display(description="last activity", ordering="last_activity_at")
    def activity(self, obj):
        return _when(obj.last_activity_at)

    @admin.display(description="synced", ordering="synced_at")
    def synced(self, obj):
        return _when(obj.synced_at)


@admin.register(ChatwootMessage)
class ChatwootMessageAdmin(ReadOnlyList):
    list_display = ["message_id", "conversation_id", "project", "message_type", "private", "sender", "excerpt", "sent"]
    list_filter = ["message_type", "private", "project", "tenant"]
    search_fields = ["=conversation_id", "=message_id", "content", "sender_name"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("project")

    @admin.display(description="sender")
    def sender(self, obj):
        return f"{obj.sender_name} ({obj.sender_type})" if obj.sender_type else obj.sender_name or "-"

    @admin.display(description="content")
    def excerpt(self, obj):
        return obj.content[:120] + ("…" if len(obj.content) > 120 else "")

    @admin.display(description="sent", ordering="created_at")
    def sent(self, obj):
        return _when(obj.created_at)


@admin.register(Chunk)
class ChunkAdmin(ReadOnlyList):
    list_display = [
        "id",
        "conversation_id",
        "project",
        "language",
        "embedding_status",
        "has_private",
        "excerpt",
        "updated",
    ]
    list_filter = ["embedding_status", "language", "has_private", "project", "tenant"]
    search_fields = ["=conversation_id", "text"]
    exclude = ["message_ids"]
    readonly_fields = ["messages"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("project")

    @admin.display(description="messages")
    def messages(self, obj):
        return ", ".join(map(str, obj.message_ids)) or "-"

    @admin.display(description="text")
    def excerpt(self, obj):
        return obj.text[:120] + ("…" if len(obj.text) > 120 else "")

    @admin.display(description="updated", ordering="updated_at")
    def updated(self, obj):
        return _when(obj.updated_at)
