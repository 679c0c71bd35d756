"""Escalation policies, the on-call roster (who holds each level now) and emergency contacts."""

from django import forms
from django.contrib import admin
from django.utils import timezone

from apps.events.admin_configuration import AuditedConfigurationAdmin
from apps.incidents.models import EmergencyContact, EscalationPolicy, OnCallEntry, redacted_webhook
from apps.incidents.services import roster


@admin.register(EscalationPolicy)
class EscalationPolicyAdmin(AuditedConfigurationAdmin):
    list_display = [
        "severity",
        "acknowledge_within_minutes",
        "escalate_unacknowledged",
        "level2_after_minutes",
        "level3_after_minutes",
        "notify_on_open",
    ]
    list_editable = [
        "acknowledge_within_minutes",
        "escalate_unacknowledged",
        "level2_after_minutes",
        "level3_after_minutes",
        "notify_on_open",
    ]


class OnCallEntryForm(forms.ModelForm):
    """The Slack webhook URL is a secret: write-only, stored encrypted, never shown back. Saved by
    services.roster (see OnCallEntryAdmin.save_model)."""

    slack_webhook_url = forms.URLField(
        required=False,
        label="Slack webhook URL",
        assume_scheme="https",
        help_text="Optional, write-only: leave empty to keep the current one. Tick the box below to remove it.",
    )
    clear_slack_webhook = forms.BooleanField(required=False, label="Remove the Slack webhook")

    class Meta:
        model = OnCallEntry
        fields = ["level", "name", "user", "email", "phone", "notify_by_telegram", "starts_at", "ends_at"]


class HoldsNowFilter(admin.SimpleListFilter):
    title = "shift"
    parameter_name = "shift"

    def lookups(self, request, model_admin):
        return [("now", "Holding a level now")]

    def queryset(self, request, queryset):
        if self.value() == "now":
            now = timezone.now()
            return queryset.filter(starts_at__lte=now).exclude(ends_at__lte=now)
        return queryset


@admin.register(OnCallEntry)
class OnCallEntryAdmin(admin.ModelAdmin):
    form = OnCallEntryForm
    list_display = ["name", "level", "email", "phone", "slack", "telegram", "starts_at", "ends_at", "holds_now"]
    list_filter = [HoldsNowFilter, "level", "notify_by_telegram"]
    list_select_related = ["user__telegram_link"]
    search_fields = ["name", "email"]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        roster.save_entry(
            obj,
            slack_webhook_url=data.get("slack_webhook_url") or "",
            clear_slack_webhook=data.get("clear_slack_webhook", False),
            actor=request.user,
            request=request,
        )

    def delete_model(self, request, obj):
        roster.remove_entry(obj, actor=request.user, request=request)

    def delete_queryset(self, request, queryset):
        for entry in queryset:
            roster.remove_entry(entry, actor=request.user, request=request)

    @admin.display(description="Slack")
    def slack(self, obj):
        return redacted_webhook(obj.slack_webhook_url) if obj.slack_webhook_encrypted else "-"

    @admin.display(description="Telegram")
    def telegram(self, obj):
        link = getattr(obj.user, "telegram_link", None) if obj.user_id else None
        if link is None:
            return "not bound"
        handle = f"@{link.telegram_username}" if link.telegram_username else str(link.telegram_user_id)
        return handle if obj.notify_by_telegram else f"{handle} (alerts off)"

    @admin.display(description="Holds it now", boolean=True)
    def holds_now(self, obj):
        now = timezone.now()
        return obj.starts_at <= now and (obj.ends_at is None or obj.ends_at > now)


@admin.register(EmergencyContact)
class EmergencyContactAdmin(AuditedConfigurationAdmin):
    list_display = ["role", "name", "email", "phone", "notes", "position"]
    list_editable = ["position"]
    search_fields = ["role", "name", "email"]
