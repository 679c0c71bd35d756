"""Connections, the inbox (with its dead letters and replays), conversations, reservations, bots
and automation runs. Rows change only through apps.integrations services."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from apps.core import zones
from apps.core.admin_actions import ReasonForm, confirmed_action
from apps.core.admin_display import ReadOnlyAdminMixin, admin_link, pretty_json
from apps.core.errors import ServiceError
from apps.integrations import admin_pms, admin_waha, automation, services
from apps.integrations.admin_forms import BotForm, ConnectionForm
from apps.integrations.models import (
    AutomationRun,
    Bot,
    Connection,
    Conversation,
    ConversationMessage,
    DeadLetter,
    InboundEvent,
    Reservation,
)


@admin.register(Connection)
class ConnectionAdmin(admin.ModelAdmin):
    form = ConnectionForm
    list_display = ["name", "tenant", "provider", "state", "is_active", "signing", "sending", "created_at"]
    list_filter = ["provider", "state", "is_active", "tenant"]
    search_fields = ["name", "tenant__name", "tenant__slug", "external_key"]
    readonly_fields = [
        "id",
        "webhook_url",
        "signing",
        "stored_secrets",
        "state",
        "state_changed_at",
        "sending",
        "inbound_summary",
        "whatsapp_session",
        "pms_sync",
    ]
    actions = [
        confirmed_action(
            description="Sync reservations from the PMS (queued)",
            apply=admin_pms.request_sync,
            form_class=admin_pms.PmsSyncForm,
            success="PMS sync queued",
        )
    ]

    def get_urls(self):
        return admin_waha.urls(self.admin_site) + super().get_urls()

    def get_fieldsets(self, request, obj=None):
        secrets = [name for name in ConnectionForm.SECRET_FIELDS]
        main = (
            ["tenant", "provider", "name", "is_active", "settings_json"]
            if obj is None
            else ["id", "tenant", "provider", "name", "is_active", "settings_json", "webhook_url"]
        )
        sections = [
            (None, {"fields": main}),
            ("Secrets (write-only: leave blank to keep)", {"fields": secrets + (["stored_secrets"] if obj else [])}),
        ]
        if obj:
            state = ["signing", "state", "state_changed_at", "sending", "inbound_summary"]
            extra = {"waha": ["whatsapp_session"], "pms": ["pms_sync"]}.get(obj.provider, [])
            sections.append(("State", {"fields": state + extra}))
        return sections

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields + (["tenant", "provider"] if obj else [])

    def save_model(self, request, obj, form, change):
        saved = form.save_through_services(request.user, existing=obj if change else None)
        obj.pk = saved.pk
        obj.refresh_from_db()

    @admin.display(description="webhook URL")
    def webhook_url(self, obj):
        return services.webhook_url(obj)

    @admin.display(description="signature")
    def signing(self, obj):
        if obj.provider == "meta":
            return "App secret (platform-wide)"
        if obj.has_secret("signing_secret"):
            return "Signed deliveries only"
        if obj.unsigned_warning():
            return format_html('<strong style="color:#b91c1c">{}</strong>', obj.unsigned_warning())
        return format_html('<strong style="color:#b91c1c">{}</strong>', "No secret: every delivery is refused")

    def response_add(self, request, obj, post_url_continue=None):
        if obj.unsigned_warning():
            messages.warning(request, f"{obj}: {obj.unsigned_warning()}")
        return super().response_add(request, obj, post_url_continue)

    @admin.display(description="secrets stored")
    def stored_secrets(self, obj):
        return ", ".join(sorted(obj.secrets())) or "none"

    @admin.display(description="sending")
    def sending(self, obj):
        return (
            f"paused since {zones.when(obj.sending_paused_at)}: {obj.sending_paused_reason}"
            if obj.is_sending_paused
            else "on"
        )

    @admin.display(description="PMS sync")
    def pms_sync(self, obj):
        return admin_pms.pms_summary(obj)

    @admin.display(description="WhatsApp session")
    def whatsapp_session(self, obj):
        """The stored status; the live one, the QR code, the buttons and the message logs are on its page."""
        url = reverse("admin:integrations_connection_waha", args=[obj.pk])
        paused = " — new contacts paused" if obj.is_new_contacts_paused else ""
        return format_html(
            '<a href="{}">{}{} (status, QR code, restart, logs)</a>', url, obj.provider_status or "unknown", paused
        )

    @admin.display(description="inbound events")
    def inbound_summary(self, obj):
        counts = dict(obj.inbound_events.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
        url = reverse("admin:integrations_inboundevent_changelist") + f"?connection__id__exact={obj.pk}"
        text = ", ".join(f"{status}: {n}" for status, n in sorted(counts.items())) or "none yet"
        return format_html('<a href="{}">{}</a>', url, text)


REPLAY_PERMISSION = "integrations.change_inboundevent"


def replay_action(modeladmin, request, queryset):
    """Replays the selection — or, with "select all", everything the current filters match."""
    form = ReasonForm(request.POST if "confirm" in request.POST else None)
    if "confirm" in request.POST and form.is_valid():
        try:
            count = services.replay(
                queryset,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                description=request.GET.urlencode() or "selection",
            )
        except ServiceError as exc:
            modeladmin.message_user(request, exc.message, messages.ERROR)
            return None
        modeladmin.message_user(
            request, f"Replayed {count} event(s); they are being processed again.", messages.SUCCESS
        )
        return None
    return TemplateResponse(
        request,
        "admin/opsdesk/confirm_action.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": "Replay inbound events",
            "objects": queryset,
            "form": form,
            "action_name": request.POST.get("action"),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "select_across": request.POST.get("select_across", "0"),
            "opts": modeladmin.model._meta,
        },
    )


replay_action.short_description = "Replay (with a reason)"
replay_action.allowed_permissions = ["change"]


class AgeFilter(admin.SimpleListFilter):
    title = "received"
    parameter_name = "age"
    WINDOWS = {"1h": 1, "24h": 24, "7d": 168}

    def lookups(self, request, model_admin):
        return [("1h", "Last hour"), ("24h", "Last 24 hours"), ("7d", "Last 7 days")]

    def queryset(self, request, queryset):
        hours = self.WINDOWS.get(self.value())
        return queryset.filter(received_at__gte=timezone.now() - timezone.timedelta(hours=hours)) if hours else queryset


@admin.register(InboundEvent)
class InboundEventAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "received_at",
        "provider",
        "tenant",
        "event_type",
        "external_id",
        "status",
        "attempts",
        "next_attempt_at",
    ]
    list_filter = ["status", "provider", AgeFilter, "tenant", "event_type"]
    search_fields = ["external_id", "event_type", "correlation_id"]
    date_hierarchy = "received_at"
    show_full_result_count = False
    list_select_related = ["tenant"]
    actions = [replay_action]
    fields = [
        "provider",
        "connection_link",
        "tenant_link",
        "event_type",
        "external_id",
        "status",
        "attempts",
        "next_attempt_at",
        "error",
        "received_at",
        "processing_started_at",
        "processed_at",
        "dead_lettered_at",
        "correlation_id",
        "related",
        "body",
        "item",
        "request_headers",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        """Replaying is the only change; the dead-letter view (a proxy) asks for the same permission
        as the inbox, and so does the operator API."""
        return request.user.has_perm(REPLAY_PERMISSION)

    @admin.display(description="connection")
    def connection_link(self, obj):
        return admin_link(obj.connection) if obj.connection_id else "none: the platform's own Telegram bot"

    @admin.display(description="tenant")
    def tenant_link(self, obj):
        return admin_link(obj.tenant) if obj.tenant_id else "none: a platform delivery"

    @admin.display(description="last error")
    def error(self, obj):
        return format_html("<pre style='white-space:pre-wrap'>{}</pre>", obj.last_error) if obj.last_error else "-"

    @admin.display(description="raw body")
    def body(self, obj):
        import json

        try:
            return pretty_json(json.loads(obj.raw_body))
        except ValueError:
            return format_html("<pre>{}</pre>", obj.raw_body)

    @admin.display(description="item of the delivery")
    def item(self, obj):
        return pretty_json(obj.payload)

    @admin.display(description="headers")
    def request_headers(self, obj):
        return pretty_json(obj.headers)

    @admin.display(description="related")
    def related(self, obj):
        links = [
            (admin_link(e, f"{e.code} at {zones.when(e.occurred_at, 's')}"),) for e in obj.system_events.all()[:20]
        ]
        links += [(admin_link(m, f"message from {m.contact_id}"),) for m in obj.conversation_messages.all()[:5]]
        links += [(admin_link(r),) for r in obj.automation_runs.all()[:5]]
        return format_html_join(mark_safe("<br>"), "{}", links) or "-"

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and "_replay" in request.POST:
            if not self.has_change_permission(request):
                raise PermissionDenied
            return self._replay_one(request, object_id)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def _replay_one(self, request, object_id):
        reason = request.POST.get("reason", "").strip()
        if not reason:
            self.message_user(request, "Say why you replay it: the reason goes into the audit log.", messages.ERROR)
        else:
            count = services.replay(
                InboundEvent.objects.filter(pk=object_id),
                actor=request.user,
                reason=reason,
                description=f"event {object_id}",
            )
            self.message_user(request, f"Replayed {count} event.", messages.SUCCESS if count else messages.WARNING)
        from django.shortcuts import redirect

        return redirect(reverse("admin:integrations_inboundevent_change", args=[object_id]))


@admin.register(DeadLetter)
class DeadLetterAdmin(InboundEventAdmin):
    """The dead-letter view: only events that ran out of retries, newest first."""

    change_form_template = "admin/integrations/inboundevent/change_form.html"
    list_display = [
        "id",
        "dead_lettered_at",
        "provider",
        "tenant",
        "event_type",
        "external_id",
        "attempts",
        "short_error",
    ]
    list_filter = ["provider", "tenant", "event_type"]
    date_hierarchy = "dead_lettered_at"

    def get_queryset(self, request):
        return super().get_queryset(request).dead_letters().order_by("-dead_lettered_at")

    @admin.display(description="last error")
    def short_error(self, obj):
        return (obj.last_error.splitlines() or [""])[0][:120]


@admin.register(Conversation)
class ConversationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "tenant", "channel", "status", "last_message_at"]
    list_filter = ["channel", "status", "tenant"]
    search_fields = ["contact_id", "contact_name", "external_id"]
    show_full_result_count = False


@admin.register(ConversationMessage)
class ConversationMessageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["sent_at", "tenant", "channel", "direction", "contact_id", "contact_name", "short_text"]
    list_filter = ["channel", "direction", "tenant"]
    search_fields = ["contact_id", "contact_name", "text", "provider_message_id"]
    show_full_result_count = False

    @admin.display(description="text")
    def short_text(self, obj):
        return obj.text[:80]


@admin.register(Reservation)
class ReservationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["external_id", "tenant", "guest_name", "status", "room", "check_in", "check_out", "last_event_at"]
    list_filter = ["status", "tenant"]
    search_fields = ["external_id", "guest_name", "guest_email", "guest_phone"]
    readonly_fields = ["history_json"]

    @admin.display(description="history")
    def history_json(self, obj):
        return pretty_json(obj.history)


@admin.register(Bot)
class BotAdmin(admin.ModelAdmin):
    form = BotForm
    list_display = ["name", "tenant", "mode", "workflow_path", "model", "is_active", "created_at"]
    list_filter = ["mode", "is_active", "tenant"]
    search_fields = ["name", "workflow_path", "system_prompt", "tenant__name"]
    actions = [
        confirmed_action(
            description="Deactivate bots",
            apply=lambda bot, data, request: automation.set_bot_active(bot, False, actor=request.user),
        ),
        confirmed_action(
            description="Activate bots",
            apply=lambda bot, data, request: automation.set_bot_active(bot, True, actor=request.user),
        ),
    ]

    def get_readonly_fields(self, request, obj=None):
        return ["tenant", "is_active"] if obj else []

    def save_model(self, request, obj, form, change):
        saved = form.save_through_services(request.user, existing=obj if change else None)
        obj.pk = saved.pk
        obj.refresh_from_db()


class RunAgeFilter(admin.SimpleListFilter):
    title = "age"
    parameter_name = "older_than"

    def lookups(self, request, model_admin):
        return [("5m", "Older than 5 minutes"), ("1h", "Older than an hour")]

    def queryset(self, request, queryset):
        minutes = {"5m": 5, "1h": 60}.get(self.value())
        return (
            queryset.filter(created_at__lt=timezone.now() - timezone.timedelta(minutes=minutes))
            if minutes
            else queryset
        )


class MarkFailedForm(ReasonForm):
    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Say why the run is marked failed: it goes into the audit log.")
        return reason


@admin.register(AutomationRun)
class AutomationRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "created_at", "tenant", "bot", "status", "n8n_execution_id", "duration", "short_error"]
    list_filter = ["status", RunAgeFilter, "bot", "tenant"]
    search_fields = ["n8n_execution_id", "bot__name", "error"]
    show_full_result_count = False
    list_select_related = ["tenant", "bot"]
    fields = [
        "tenant",
        "bot",
        "status",
        "n8n_execution_id",
        "created_at",
        "started_at",
        "finished_at",
        "error",
        "reply",
        "inbound_link",
        "message_link",
        "events",
    ]
    readonly_fields = fields
    actions = [
        confirmed_action(
            description="Mark failed (with a reason)",
            form_class=MarkFailedForm,
            apply=lambda run, data, request: automation.mark_failed(run, reason=data["reason"], actor=request.user),
        )
    ]

    def has_change_permission(self, request, obj=None):
        return request.user.is_staff and obj is None

    @admin.display(description="duration")
    def duration(self, obj):
        return f"{obj.duration_seconds:.1f} s" if obj.duration_seconds is not None else "-"

    @admin.display(description="error")
    def short_error(self, obj):
        return obj.error[:100]

    @admin.display(description="inbound event")
    def inbound_link(self, obj):
        return admin_link(obj.inbound_event)

    @admin.display(description="inbound message")
    def message_link(self, obj):
        return admin_link(obj.message, obj.message and f"{obj.message.contact_id}: {obj.message.text[:60]}")

    @admin.display(description="events")
    def events(self, obj):
        rows = [(admin_link(e, f"{e.code} at {zones.when(e.occurred_at, 's')}"),) for e in obj.system_events.all()[:20]]
        return format_html_join(mark_safe("<br>"), "{}", rows) or "-"
