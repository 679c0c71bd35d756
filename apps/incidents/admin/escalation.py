"""Escalation policies and rules, the on-call roster (who holds each level and role now) and
emergency contacts."""

from django import forms
from django.contrib import admin
from django.db.models import Count
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from apps.core import zones
from apps.core.admin_display import admin_link
from apps.events.admin_configuration import AuditedConfigurationAdmin
from apps.incidents.models import (
    FLOOR_CHOICES,
    EmergencyContact,
    EscalationPolicy,
    EscalationRule,
    OnCallEntry,
    redacted_webhook,
)
from apps.incidents.self_hosted import SELF_HOSTED
from apps.incidents.services import roster

FIRINGS_SHOWN = 20
FLOOR_HELP = "sev1 is the highest: 'sev2 and above' means sev1 and sev2 incidents."


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
        fields = ["level", "role", "name", "user", "email", "phone", "notify_by_telegram", "starts_at", "ends_at"]


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
    list_display = [
        "name",
        "level",
        "role",
        "email",
        "phone",
        "slack",
        "telegram",
        "starts_at",
        "ends_at",
        "holds_now",
    ]
    list_filter = [HoldsNowFilter, "level", "role", "notify_by_telegram"]
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


class EscalationRuleForm(forms.ModelForm):
    """The severity floor in plain words ("sev2 and above"); the components as the self-hosted
    ones to tick. `EscalationRule.clean` says when components do not fit the trigger."""

    min_severity = forms.ChoiceField(choices=FLOOR_CHOICES, label="Only for severity at least", help_text=FLOOR_HELP)
    components = forms.MultipleChoiceField(
        choices=[(name, name) for name in SELF_HOSTED],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Only with the trigger 'a self-hosted component is down': the components that count "
        "(none ticked: any self-hosted one).",
    )

    class Meta:
        model = EscalationRule
        fields = ["name", "role", "min_severity", "trigger", "after_minutes", "components", "is_active"]
        labels = {"after_minutes": "Delay (minutes from detection)"}
        help_texts = {
            "is_active": "Untick to stop the rule. Deleting it also deletes the record of the incidents it told.",
            "after_minutes": "Counted from detection; 0: at once. The job runs every minute.",
        }


class EscalationRuleListForm(forms.ModelForm):
    min_severity = forms.ChoiceField(choices=FLOOR_CHOICES, label="Only for severity at least")

    class Meta:
        model = EscalationRule
        fields = ["min_severity", "after_minutes", "is_active"]


@admin.register(EscalationRule)
class EscalationRuleAdmin(AuditedConfigurationAdmin):
    """Who else is told, by role: the support runbook's contacts table. Saved audited; the beat
    job applies a change within a minute."""

    form = EscalationRuleForm
    list_display = ["name", "role", "min_severity", "trigger", "after_minutes", "component_list", "is_active", "fired"]
    list_editable = ["min_severity", "after_minutes", "is_active"]
    list_filter = ["role", "trigger", "is_active", "min_severity"]
    search_fields = ["name"]
    readonly_fields = ["recent_firings"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(firing_count=Count("firings"))

    def get_changelist_form(self, request, **kwargs):
        return super().get_changelist_form(request, form=EscalationRuleListForm, **kwargs)

    @admin.display(description="Components")
    def component_list(self, obj):
        if obj.trigger != EscalationRule.Trigger.COMPONENT_DOWN:
            return "-"
        return ", ".join(obj.components) or "any self-hosted one"

    @admin.display(description="Incidents told", ordering="firing_count")
    def fired(self, obj):
        return obj.firing_count

    @admin.display(description="Last times it fired (UTC)")
    def recent_firings(self, obj):
        firings = obj.firings.select_related("incident")[:FIRINGS_SHOWN] if obj.pk else []
        rows = [(zones.when(firing.fired_at), admin_link(firing.incident), firing.why) for firing in firings]
        if not rows:
            return "Never yet."
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}: {} — {}</li>", rows))


@admin.register(EmergencyContact)
class EmergencyContactAdmin(AuditedConfigurationAdmin):
    list_display = ["role", "name", "email", "phone", "notes", "position"]
    list_editable = ["position"]
    search_fields = ["role", "name", "email"]
