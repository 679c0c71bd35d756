"""The AI gateway in the admin: its requests (read-only: only the gateway writes them), the
providers' circuits (read-only, with "close circuit"), the price table and each tenant's AI texts
(both edited through audited services). The usage pages are apps/ai/admin_views.py."""

from django.contrib import admin
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html

from apps.ai import abuse, controls, review
from apps.ai.models import AIRequest, ContactThrottle, ModelPrice, ProviderCircuit, TenantAISettings
from apps.ai.providers import CHAIN
from apps.core import zones
from apps.core.admin_actions import confirmed_action
from apps.core.admin_display import ReadOnlyAdminMixin, admin_link, pretty_json
from apps.events.admin import ChoicesFilter
from apps.events.admin_configuration import AuditedConfigurationAdmin


class ProviderFilter(ChoicesFilter):
    title = "provider"
    parameter_name = "provider"
    values = CHAIN


def usd(value) -> str:
    """Cost as people read it: "$0.000123", "$1.50"; nothing spent reads "$0"."""
    if not value:
        return "$0"
    return f"${value:,.2f}" if value >= 1 else f"${value:.6f}".rstrip("0")


@admin.register(AIRequest)
class AIRequestAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "created",
        "tenant_link",
        "feature",
        "outcome",
        "answered_by",
        "tokens",
        "cost",
        "latency",
        "guardrail",
        "contact_id",
    ]
    list_filter = [
        ("created_at", admin.DateFieldListFilter),
        "tenant",
        ProviderFilter,
        "outcome",
        "feature",
        "guardrail",
    ]
    search_fields = ["tenant__slug", "tenant__name", "contact_id", "=correlation_id"]
    list_select_related = ["tenant"]
    show_full_result_count = False
    list_per_page = 100
    date_hierarchy = "created_at"
    fieldsets = [
        (None, {"fields": ["created", "tenant_link", "feature", "outcome", "refusal_code", "bot_link", "contact_id"]}),
        ("Review the conversation", {"fields": ["conversation_review"]}),
        (
            "Provider, tokens and cost",
            {
                "fields": [
                    "answered_by",
                    "chain_tried",
                    "prompt_tokens",
                    "completion_tokens",
                    "tokens_counted_offline",
                    "cost",
                    "cost_source",
                    "latency",
                ]
            },
        ),
        ("Guardrails", {"fields": ["guardrail", "verdicts"]}),
        (None, {"fields": ["correlation_id", "error_center_link"]}),
    ]
    readonly_fields = [
        "created",
        "tenant_link",
        "bot_link",
        "conversation_review",
        "answered_by",
        "chain_tried",
        "cost",
        "latency",
        "verdicts",
        "error_center_link",
    ]

    @admin.display(description="When", ordering="created_at")
    def created(self, obj):
        return zones.with_tenant_time(obj.created_at, obj.tenant, "s")

    @admin.display(description="Tenant", ordering="tenant__name")
    def tenant_link(self, obj):
        return admin_link(obj.tenant)

    @admin.display(description="Bot")
    def bot_link(self, obj):
        return admin_link(obj.bot) if obj.bot_id else "-"

    @admin.display(description="Answered by", ordering="provider")
    def answered_by(self, obj):
        if not obj.provider:
            return "no provider (refused before the chain)"
        return f"{obj.provider} · {obj.model}" if obj.model else obj.provider

    @admin.display(description="Tokens", ordering="prompt_tokens")
    def tokens(self, obj):
        return f"{obj.total_tokens:,}"

    @admin.display(description="Cost", ordering="cost_usd")
    def cost(self, obj):
        return usd(obj.cost_usd)

    @admin.display(description="Latency", ordering="latency_ms")
    def latency(self, obj):
        return f"{obj.latency_ms:,} ms"

    @admin.display(description="Chain tried")
    def chain_tried(self, obj):
        return render_to_string("admin/ai/_chain.html", {"steps": review.chain_steps(obj)})

    @admin.display(description="Verdicts")
    def verdicts(self, obj):
        return pretty_json(obj.guardrail_verdicts)

    @admin.display(description="The request beside the conversation")
    def conversation_review(self, obj):
        return render_to_string("admin/ai/_review.html", review.context(obj))

    @admin.display(description="Error Center")
    def error_center_link(self, obj):
        if not obj.correlation_id:
            return "-"
        url = reverse("admin:events_systemevent_changelist") + f"?q={obj.correlation_id}"
        return format_html('<a href="{}">Events with this correlation id</a>', url)


@admin.register(ProviderCircuit)
class ProviderCircuitAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["provider", "state", "consecutive_failures", "opened", "open_until_shown", "short_error"]
    fields = ["provider", "state", "consecutive_failures", "opened", "open_until_shown", "last_error", "updated"]
    readonly_fields = fields
    actions = [
        confirmed_action(
            description="Close circuit (put the provider back in use now)",
            permissions=("close",),
            success="Close circuit",
            apply=lambda circuit, data, request: controls.close_circuit(
                circuit, actor=request.user, reason=data["reason"], request=request
            ),
        )
    ]

    def has_close_permission(self, request):
        return request.user.has_perm("ai.change_providercircuit")

    @admin.display(description="Opened", ordering="opened_at")
    def opened(self, obj):
        return zones.when(obj.opened_at, "s") or "-"

    @admin.display(description="Skipped until", ordering="open_until")
    def open_until_shown(self, obj):
        return zones.when(obj.open_until, "s") or "-"

    @admin.display(description="Updated", ordering="updated_at")
    def updated(self, obj):
        return zones.when(obj.updated_at, "s")

    @admin.display(description="Last error")
    def short_error(self, obj):
        return (obj.last_error[:120] + "…") if len(obj.last_error) > 120 else obj.last_error or "-"


@admin.register(ModelPrice)
class ModelPriceAdmin(AuditedConfigurationAdmin):
    list_display = ["provider", "model", "prompt_usd_per_million", "completion_usd_per_million", "updated_at"]
    list_filter = [ProviderFilter]
    search_fields = ["model"]


@admin.register(TenantAISettings)
class TenantAISettingsAdmin(admin.ModelAdmin):
    list_display = ["tenant", "short_fallback", "short_safe_reply", "domains", "updated_at"]
    search_fields = ["tenant__slug", "tenant__name"]
    autocomplete_fields = ["tenant"]
    list_select_related = ["tenant"]

    def get_readonly_fields(self, request, obj=None):
        return ["tenant"] if obj else []

    def save_model(self, request, obj, form, change):
        controls.save_tenant_settings(obj, changed=form.changed_data, actor=request.user, request=request)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Fallback text")
    def short_fallback(self, obj):
        return obj.fallback_text[:80]

    @admin.display(description="Safe reply")
    def short_safe_reply(self, obj):
        return obj.safe_reply[:80]

    @admin.display(description="Allowed link domains")
    def domains(self, obj):
        return ", ".join(obj.link_domains) or "the tenant's own"


@admin.register(ContactThrottle)
class ContactThrottleAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Contacts whose AI replies were paused for abuse (apps.ai.abuse); a pause can be ended early."""

    list_display = ["contact_id", "tenant_link", "paused", "paused_until", "reason", "windows", "ticket_link"]
    list_filter = ["tenant", ("throttled_at", admin.DateFieldListFilter)]
    search_fields = ["contact_id", "tenant__slug", "tenant__name", "reason"]
    list_select_related = ["tenant", "ticket"]
    fields = ["contact_id", "tenant_link", "paused", "paused_until", "reason", "windows", "repeats", "ticket_link"]
    readonly_fields = fields
    actions = [
        confirmed_action(
            description="End the pause now (AI answers this contact again)",
            permissions=("lift",),
            success="End the pause",
            apply=lambda throttle, data, request: abuse.lift(
                throttle, actor=request.user, reason=data["reason"], request=request
            ),
        )
    ]

    def has_lift_permission(self, request):
        return request.user.has_perm("ai.change_contactthrottle")

    @admin.display(description="Tenant", ordering="tenant__name")
    def tenant_link(self, obj):
        return admin_link(obj.tenant)

    @admin.display(description="Review ticket")
    def ticket_link(self, obj):
        return admin_link(obj.ticket, f"#{obj.ticket_id}") if obj.ticket_id else "-"

    @admin.display(description="Paused at", ordering="throttled_at")
    def paused(self, obj):
        return zones.when(obj.throttled_at, "s") or "-"

    @admin.display(description="Paused until", ordering="throttled_until")
    def paused_until(self, obj):
        return zones.when(obj.throttled_until, "s") or "-"
