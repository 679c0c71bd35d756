from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from apps.core import zones
from apps.core.admin_actions import ReasonForm, confirmed_action
from apps.core.errors import ServiceError
from apps.fallback import services as fallback
from apps.tenants import services
from apps.tenants.models import Membership, Plan, SystemSettings, Tenant, UsageCounter
from apps.tenants.usage import usage_for


class BanForm(ReasonForm):
    for_ban = forms.BooleanField(
        required=False,
        label="Switched off because the number was banned",
        help_text="Re-enabling within 24 hours will then need an explicit override.",
    )


class OverrideForm(ReasonForm):
    override_ban_hold = forms.BooleanField(
        required=False,
        label="Override the 24-hour ban hold",
        help_text="Reconnecting a banned number early can worsen the ban. Tick only when you are sure.",
    )


class AiLimitsForm(ReasonForm):
    daily = forms.IntegerField(required=False, min_value=0, help_text="Empty: use the plan's limit.")
    monthly = forms.IntegerField(required=False, min_value=0, help_text="Empty: use the plan's limit.")
    daily_tokens = forms.IntegerField(
        label="Tokens per day", required=False, min_value=0, help_text="Empty: use the plan's limit."
    )
    monthly_tokens = forms.IntegerField(
        label="Tokens per month", required=False, min_value=0, help_text="Empty: use the plan's limit."
    )


class TenantForm(forms.ModelForm):
    """Saved through the tenant services (see TenantAdmin.save_model); a plan change needs a reason."""

    plan_reason = forms.CharField(
        label="Reason for a plan change",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text="Required when you change the plan: the tenant's limits change at once. It goes into the audit log.",
    )

    class Meta:
        model = Tenant
        fields = ["name", "slug", "plan", "timezone"]

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if self.instance.pk is None:
            _as_form_error(services.check_new_slug, slug)
        return slug

    def clean(self):
        data = super().clean()
        if self.instance.pk and "plan" in self.changed_data:
            try:
                data["plan_reason"] = services.require_reason(data.get("plan_reason"), "the plan")
            except ServiceError as exc:
                self.add_error("plan_reason", exc.message)
        return data


def _as_form_error(check, *args):
    try:
        check(*args)
    except ServiceError as exc:
        raise forms.ValidationError(exc.message) from None


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    readonly_fields = ["user", "role", "created_at"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "monthly_message_limit",
        "bot_limit",
        "ai_daily_limit",
        "ai_monthly_limit",
        "ai_daily_token_limit",
        "ai_monthly_token_limit",
        "tenant_count",
    ]
    search_fields = ["name"]

    @admin.display(description="Tenants")
    def tenant_count(self, obj):
        return obj.tenants.count()

    def save_model(self, request, obj, form, change):
        services.save_plan(obj, actor=request.user, request=request)

    def delete_model(self, request, obj):
        services.delete_plan(obj, actor=request.user, request=request)

    def delete_queryset(self, request, queryset):
        for plan in queryset:
            services.delete_plan(plan, actor=request.user, request=request)


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    form = TenantForm
    list_display = [
        "name",
        "slug",
        "status",
        "plan",
        "is_whatsapp_enabled",
        "is_ai_enabled",
        "usage_summary",
        "created_at",
    ]
    list_filter = [
        "status",
        "plan",
        "is_whatsapp_enabled",
        "is_ai_enabled",
        "whatsapp_disabled_for_ban",
        ("manual_mode_since", admin.EmptyFieldListFilter),
    ]
    search_fields = ["name", "slug"]
    inlines = [MembershipInline]
    readonly_fields = [
        "status",
        "is_whatsapp_enabled",
        "is_ai_enabled",
        "ai_daily_limit",
        "ai_monthly_limit",
        "ai_daily_token_limit",
        "ai_monthly_token_limit",
        "whatsapp_disabled_at",
        "whatsapp_disabled_for_ban",
        "whatsapp_ban_flow",
        "suspended_reason",
        "manual_mode_since",
        "manual_mode_reason",
        "manual_mode_notice",
        "fallback_email",
        "manual_conversations",
        "usage_detail",
        "ai_links",
        "audit_link",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["name", "slug", "plan", "timezone"]}),
        (
            "Switches (change them with the actions on the tenant list: each asks for a reason)",
            {
                "fields": [
                    "status",
                    "suspended_reason",
                    "is_whatsapp_enabled",
                    "whatsapp_disabled_at",
                    "whatsapp_disabled_for_ban",
                    "whatsapp_ban_flow",
                    "is_ai_enabled",
                    "ai_daily_limit",
                    "ai_monthly_limit",
                    "ai_daily_token_limit",
                    "ai_monthly_token_limit",
                ]
            },
        ),
        (
            "Fallback manual mode (switch it with the actions on the tenant list or the incident's kill-switch panel; "
            "the tenant's owners edit the notice and e-mail in the portal)",
            {
                "fields": [
                    "manual_mode_since",
                    "manual_mode_reason",
                    "manual_mode_notice",
                    "fallback_email",
                    "manual_conversations",
                ]
            },
        ),
        ("Usage", {"fields": ["usage_detail", "ai_links", "audit_link"]}),
        (None, {"fields": ["created_at", "updated_at"]}),
    ]
    actions = [
        confirmed_action(
            description="Disable WhatsApp",
            form_class=BanForm,
            apply=lambda t, d, r: services.disable_whatsapp(
                t, actor=r.user, reason=d["reason"], for_ban=d["for_ban"], request=r
            ),
        ),
        confirmed_action(
            description="Enable WhatsApp",
            form_class=OverrideForm,
            apply=lambda t, d, r: services.enable_whatsapp(
                t, actor=r.user, reason=d["reason"], override_ban_hold=d["override_ban_hold"], request=r
            ),
        ),
        confirmed_action(
            description="Disable AI",
            apply=lambda t, d, r: services.set_ai_enabled(t, False, actor=r.user, reason=d["reason"], request=r),
        ),
        confirmed_action(
            description="Enable AI",
            apply=lambda t, d, r: services.set_ai_enabled(t, True, actor=r.user, reason=d["reason"], request=r),
        ),
        confirmed_action(
            description="Suspend tenant",
            apply=lambda t, d, r: services.suspend(t, actor=r.user, reason=d["reason"], request=r),
        ),
        confirmed_action(
            description="Reactivate tenant",
            apply=lambda t, d, r: services.reactivate(t, actor=r.user, reason=d["reason"], request=r),
        ),
        confirmed_action(
            description="Manual mode ON (AI stops; WhatsApp and Telegram messages become tickets)",
            apply=lambda t, d, r: fallback.turn_on(t, actor=r.user, reason=d["reason"], request=r),
            success="Manual mode on",
        ),
        confirmed_action(
            description="Manual mode OFF (hand the conversations back)",
            apply=lambda t, d, r: fallback.turn_off(t, actor=r.user, reason=d["reason"], request=r),
            success="Manual mode off, conversations handed back",
        ),
        confirmed_action(
            description="Set AI limits",
            form_class=AiLimitsForm,
            apply=lambda t, d, r: services.set_ai_limits(
                t,
                daily=d["daily"],
                monthly=d["monthly"],
                daily_tokens=d["daily_tokens"],
                monthly_tokens=d["monthly_tokens"],
                actor=r.user,
                reason=d["reason"],
                request=r,
            ),
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("plan")

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ["name", "slug", "plan", "timezone"]})]
        main = (None, {"fields": ["name", "slug", "plan", "plan_reason", "timezone"]})
        return [main, *self.fieldsets[1:]]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "slug"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        data, actor = form.cleaned_data, request.user
        if not change:
            tenant = services.create_tenant(
                data["slug"],
                name=data["name"],
                plan_name=data["plan"].name,
                timezone_name=data["timezone"],
                actor=actor,
                request=request,
            )
        else:
            tenant = services.update_tenant(
                obj, name=data["name"], timezone_name=data["timezone"], actor=actor, request=request
            )
        if change and "plan" in form.changed_data:
            services.change_plan(tenant, data["plan"], reason=data["plan_reason"], actor=actor, request=request)
        obj.pk = tenant.pk
        obj.refresh_from_db()

    def delete_model(self, request, obj):
        services.delete_tenant(obj, actor=request.user, request=request)

    def delete_queryset(self, request, queryset):
        for tenant in queryset.select_related("plan"):
            services.delete_tenant(tenant, actor=request.user, request=request)

    @admin.display(description="Messages this month")
    def usage_summary(self, obj):
        usage = usage_for(obj)
        limit = obj.plan.monthly_message_limit
        text = f"{usage.messages_this_month} / {limit}"
        return (
            format_html("<strong style='color:#b3261e'>{} (limit reached)</strong>", text)
            if usage.messages_this_month >= limit
            else text
        )

    @admin.display(description="Usage against limits")
    def usage_detail(self, obj):
        if obj.pk is None:
            return "-"
        usage = usage_for(obj)
        return format_html(
            "Messages this month: {} / {}<br>Bots: {} / {}<br>AI today: {} / {}<br>AI this month: {} / {}"
            "<br>AI tokens today: {} / {}<br>AI tokens this month: {} / {}",
            usage.messages_this_month,
            obj.plan.monthly_message_limit,
            usage.bots,
            obj.plan.bot_limit,
            usage.ai_today,
            obj.effective_ai_daily_limit,
            usage.ai_this_month,
            obj.effective_ai_monthly_limit,
            usage.ai_tokens_today,
            obj.effective_ai_daily_token_limit,
            usage.ai_tokens_this_month,
            obj.effective_ai_monthly_token_limit,
        )

    @admin.display(description="AI")
    def ai_links(self, obj):
        if obj.pk is None:
            return "-"
        requests = reverse("admin:ai_airequest_changelist") + f"?tenant__id__exact={obj.pk}"
        return format_html(
            '<a href="{}">AI requests of this tenant</a> · <a href="{}">AI usage by tenant</a> · '
            '<a href="{}">AI texts (fallback, safe reply, link domains)</a>',
            requests,
            reverse("ai_usage:by_tenant"),
            reverse("admin:ai_tenantaisettings_changelist") + f"?q={obj.slug}",
        )

    @admin.display(description="WhatsApp ban flow")
    @admin.display(description="Manual-mode conversations")
    def manual_conversations(self, obj):
        url = f"{reverse('admin:fallback_conversation_changelist')}?tenant__id__exact={obj.pk}"
        return format_html('<a href="{}&amp;state__exact=open">open</a> · <a href="{}">all</a>', url, url)

    def whatsapp_ban_flow(self, obj):
        """The ban flow under way (its step and the cooldown's end), or the button that starts one."""
        from apps.incidents.services import ban_flow

        flow = ban_flow.open_flow(obj) if obj.pk else None
        if flow is None:
            if not obj.pk:
                return "-"
            url = reverse("admin:incidents_banflow_start", args=[obj.pk])
            return format_html('<a class="button" href="{}">WhatsApp ban…</a> (the guided runbook)', url)
        url = reverse("admin:incidents_banflow_flow", args=[flow.pk])
        return format_html(
            '<a href="{}">{}</a> — cooldown ends {}', url, flow.get_step_display(), zones.when(flow.cooldown_until)
        )

    @admin.display(description="Audit log")
    def audit_link(self, obj):
        if obj.pk is None:
            return "-"
        url = reverse("admin:events_auditevent_changelist") + f"?tenant__id__exact={obj.pk}"
        return format_html('<a href="{}">Audit records of this tenant</a>', url)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "tenant", "role", "created_at"]
    list_filter = ["role", "tenant"]
    search_fields = ["user__username", "user__email", "tenant__slug", "tenant__name"]
    autocomplete_fields = ["user", "tenant"]

    def get_readonly_fields(self, request, obj=None):
        return ["user", "tenant", "created_at"] if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            if "role" in form.changed_data:
                services.change_role(obj, form.cleaned_data["role"], actor=request.user, request=request)
            return
        data = form.cleaned_data
        saved = services.add_membership(
            data["tenant"], data["user"], role=data["role"], actor=request.user, request=request
        )
        obj.pk = saved.pk
        obj.refresh_from_db()

    def delete_model(self, request, obj):
        services.remove_member(obj, actor=request.user, request=request)

    def delete_queryset(self, request, queryset):
        for membership in queryset.select_related("user", "tenant"):
            services.remove_member(membership, actor=request.user, request=request)


@admin.register(UsageCounter)
class UsageCounterAdmin(admin.ModelAdmin):
    list_display = ["tenant", "metric", "day", "value"]
    list_filter = ["metric", "tenant"]
    date_hierarchy = "day"
    readonly_fields = ["tenant", "metric", "day", "value"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ProviderForm(ReasonForm):
    provider = forms.ChoiceField(choices=SystemSettings.AiProvider.choices)


class BannerForm(ReasonForm):
    banner = forms.CharField(required=False, max_length=500, help_text="Empty removes the banner.")


@admin.register(SystemSettings)
class SystemSettingsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "global_whatsapp_enabled", "default_ai_provider", "maintenance_banner", "updated_at"]
    readonly_fields = [
        "global_whatsapp_enabled",
        "default_ai_provider",
        "maintenance_banner",
        "manual_mode_since",
        "manual_mode_reason",
        "updated_at",
    ]
    actions = [
        confirmed_action(
            description="Global WhatsApp OFF",
            apply=lambda s, d, r: services.set_global_whatsapp(False, actor=r.user, reason=d["reason"], request=r),
        ),
        confirmed_action(
            description="Global WhatsApp ON",
            apply=lambda s, d, r: services.set_global_whatsapp(True, actor=r.user, reason=d["reason"], request=r),
        ),
        confirmed_action(
            description="Manual mode ON for every tenant",
            apply=lambda s, d, r: fallback.turn_on_platform(actor=r.user, reason=d["reason"], request=r),
        ),
        confirmed_action(
            description="Manual mode OFF for every tenant (hand the conversations back)",
            apply=lambda s, d, r: fallback.turn_off_platform(actor=r.user, reason=d["reason"], request=r),
        ),
        confirmed_action(
            description="Set default AI provider",
            form_class=ProviderForm,
            apply=lambda s, d, r: services.set_default_ai_provider(
                d["provider"], actor=r.user, reason=d["reason"], request=r
            ),
        ),
        confirmed_action(
            description="Set maintenance banner",
            form_class=BannerForm,
            apply=lambda s, d, r: services.set_maintenance_banner(
                d["banner"], actor=r.user, reason=d["reason"], request=r
            ),
        ),
    ]

    def changelist_view(self, request, extra_context=None):
        SystemSettings.load()
        return super().changelist_view(request, extra_context)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
