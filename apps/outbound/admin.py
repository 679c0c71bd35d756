"""Outbound in the admin: messages with their attempts inline and the contact's policy one click
away; bulk approve, cancel and retry with a confirmation page; contact policies with opt-out and
an explicit, confirmed opt-in; tenant defaults; connections whose sending is paused. Every change
goes through apps.outbound.services."""

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from apps.core import contacts, zones
from apps.core.admin_actions import ReasonForm, confirmed_action
from apps.core.admin_display import ReadOnlyAdminMixin, admin_link, pretty_json
from apps.outbound import services
from apps.outbound.models import (
    PROVIDER_OF,
    ContactChannelPolicy,
    OutboundAttempt,
    OutboundMessage,
    OutboundSettings,
    SendingConnection,
    Status,
    Via,
)


class ContactSearchMixin:
    """A contact searched in any script or punctuation (`+٣٩ ٣٣٣…`) finds its canonical id."""

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, contacts.search_term(search_term))


class ListOnlyChangeMixin:
    """Rows are changed by actions (which need the change permission on the list), never by
    editing the object page, which is read-only."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request)


class AttemptInline(admin.TabularInline):
    model = OutboundAttempt
    extra = 0
    can_delete = False
    fields = [
        "number",
        "created_at",
        "outcome",
        "status_code",
        "error_code",
        "error_title",
        "latency_ms",
        "retry_after_s",
        "next_attempt_at",
        "summary",
    ]
    readonly_fields = fields
    ordering = ["number", "id"]

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="request (no secrets)")
    def summary(self, obj):
        return pretty_json(obj.request_summary)


def _action(name):
    return lambda obj, data, request: getattr(services, name)(
        obj, actor=request.user, reason=data["reason"], request=request
    )


@admin.register(OutboundMessage)
class OutboundMessageAdmin(ContactSearchMixin, ListOnlyChangeMixin, admin.ModelAdmin):
    list_display = ["id", "tenant", "channel", "contact", "status", "kind", "short_reason", "attempts", "created_at"]
    list_display_links = ["id", "contact"]
    list_filter = ["status", "channel", "kind", "source", "preflight_code", "tenant"]
    search_fields = ["=id", "contact_id", "contact_name", "provider_message_id"]
    list_select_related = ["tenant"]
    show_full_result_count = False
    list_per_page = 100
    date_hierarchy = "created_at"
    inlines = [AttemptInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "tenant",
                    "status",
                    "reason",
                    "channel",
                    "connection_link",
                    "contact",
                    "contact_policy",
                    "kind",
                    "stop_on_reply",
                    "body",
                    "template_json",
                    "source",
                    "automation_run",
                ]
            },
        ),
        (
            "Preflight and errors",
            {
                "fields": [
                    "preflight_code",
                    "preflight_reason",
                    "preflight_at",
                    "last_error_code",
                    "last_error",
                    "provider_message_id",
                    "attempts",
                    "round_attempts",
                    "next_attempt_at",
                ]
            },
        ),
        (
            "People and times",
            {
                "fields": [
                    "created_by_label",
                    "approved_by_label",
                    "created_at",
                    "approved_at",
                    "queued_at",
                    "sending_at",
                    "sent_at",
                    "delivered_at",
                    "read_at",
                    "failed_at",
                    "blocked_at",
                    "canceled_at",
                ]
            },
        ),
        ("Audit trail", {"fields": ["audit_trail"]}),
    ]
    actions = [
        confirmed_action(
            description="Approve selected messages (runs preflight, then sends)", apply=_action("approve_message")
        ),
        confirmed_action(description="Cancel selected messages", apply=_action("cancel")),
        confirmed_action(description="Retry selected messages (through preflight)", apply=_action("retry")),
    ]

    def get_readonly_fields(self, request, obj=None):
        return [field for _, section in self.fieldsets for field in section["fields"]]

    @admin.display(description="contact", ordering="contact_id")
    def contact(self, obj):
        return f"{obj.contact_name} ({obj.contact_id})" if obj.contact_name else obj.contact_id

    @admin.display(description="reason")
    def short_reason(self, obj):
        return obj.reason[:120]

    @admin.display(description="reason")
    def reason(self, obj):
        return obj.reason or "-"

    @admin.display(description="template")
    def template_json(self, obj):
        return pretty_json(obj.template)

    @admin.display(description="connection")
    def connection_link(self, obj):
        return admin_link(obj.connection)

    @admin.display(description="audit trail")
    def audit_trail(self, obj):
        """Who created, approved, blocked, retried, sent or failed it: the `outbound.*` records."""
        from apps.events.models import AuditEvent

        target = obj._meta.label_lower
        rows = AuditEvent.objects.filter(target_type=target, target_id=str(obj.pk)).order_by("occurred_at", "id")
        url = reverse("admin:events_auditevent_changelist") + f"?target_type={target}&target_id={obj.pk}"
        lines = format_html_join(
            "",
            "<li>{} <code>{}</code> by {}{}</li>",
            (
                (
                    zones.when(row.occurred_at, "s"),
                    row.action,
                    row.actor_label or "system",
                    f" — {row.reason}" if row.reason else "",
                )
                for row in rows[:50]
            ),
        )
        return format_html('<ul>{}</ul><a href="{}">In the audit log</a>', lines, url)

    @admin.display(description="contact policy")
    def contact_policy(self, obj):
        policy = ContactChannelPolicy.objects.filter(
            tenant_id=obj.tenant_id, channel=obj.channel, contact_id=obj.contact_id
        ).first()
        if policy is None:
            return "-"
        state = "OPTED OUT" if policy.opted_out else "subscribed"
        return format_html("{} — {}, {} sent in window", admin_link(policy), state, policy.window_count)


class OptInForm(ReasonForm):
    contact_asked = forms.BooleanField(
        label="The contact asked to receive messages again",
        error_messages={"required": "Confirm that the contact asked for this."},
    )
    requeue_blocked = forms.BooleanField(required=False, label="Also send the messages the opt-out blocked")


class PolicyForm(forms.ModelForm):
    class Meta:
        model = ContactChannelPolicy
        fields = ["stop_on_reply", "frequency_cap", "frequency_window_s"]


@admin.register(ContactChannelPolicy)
class ContactChannelPolicyAdmin(ContactSearchMixin, admin.ModelAdmin):
    form = PolicyForm
    list_display = [
        "__str__",
        "tenant",
        "channel",
        "opted_out",
        "opted_out_at",
        "opted_out_via",
        "stop_on_reply",
        "cap",
        "window_count",
        "last_inbound_at",
        "messages",
    ]
    list_filter = ["opted_out", "channel", "opted_out_via", "stop_on_reply", "tenant"]
    search_fields = ["contact_id", "contact_name"]
    list_select_related = ["tenant"]
    show_full_result_count = False
    readonly_fields = [
        "tenant",
        "channel",
        "contact_id",
        "contact_name",
        "opted_out",
        "opted_out_at",
        "opted_out_via",
        "opted_out_by_label",
        "opted_out_note",
        "opted_in_at",
        "opted_in_via",
        "opted_in_by_label",
        "opted_in_note",
        "window_started_at",
        "window_count",
        "last_sent_at",
        "last_inbound_at",
        "messages",
    ]
    fields = readonly_fields[:10] + ["stop_on_reply", "frequency_cap", "frequency_window_s"] + readonly_fields[10:]
    actions = [
        confirmed_action(
            description="Opt out selected contacts",
            apply=lambda p, d, r: services.opt_out(p, via=Via.ADMIN, actor=r.user, note=d["reason"], request=r),
        ),
        confirmed_action(
            description="Opt in selected contacts (they asked for it)",
            form_class=OptInForm,
            apply=lambda p, d, r: services.opt_in(
                p,
                via=Via.ADMIN,
                confirmed=d["contact_asked"],
                actor=r.user,
                note=d["reason"],
                requeue_blocked=d["requeue_blocked"],
                request=r,
            ),
        ),
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        services.update_policy(
            obj,
            stop_on_reply=obj.stop_on_reply,
            frequency_cap=obj.frequency_cap,
            frequency_window_s=obj.frequency_window_s,
            actor=request.user,
            reason="Changed in the admin.",
            request=request,
        )

    @admin.display(description="cap")
    def cap(self, obj):
        cap = "default" if obj.frequency_cap is None else obj.frequency_cap
        return f"{cap} / {obj.frequency_window_s or 'default'} s"

    @admin.display(description="messages")
    def messages(self, obj):
        url = reverse("admin:outbound_outboundmessage_changelist")
        query = f"?tenant__id__exact={obj.tenant_id}&channel__exact={obj.channel}&q={obj.contact_id}"
        return format_html('<a href="{}{}">messages to this contact</a>', url, query)


class SettingsForm(forms.ModelForm):
    class Meta:
        model = OutboundSettings
        fields = ["tenant", "frequency_cap", "frequency_window_s", "stop_words", "opt_out_confirmation"]


@admin.register(OutboundSettings)
class OutboundSettingsAdmin(admin.ModelAdmin):
    form = SettingsForm
    list_display = ["tenant", "frequency_cap", "frequency_window_s", "stop_words", "updated_at"]
    search_fields = ["tenant__name", "tenant__slug"]

    def get_readonly_fields(self, request, obj=None):
        return ["tenant"] if obj else []

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        saved = services.set_tenant_settings(
            obj.tenant,
            frequency_cap=obj.frequency_cap,
            frequency_window_s=obj.frequency_window_s,
            stop_words=obj.stop_words,
            opt_out_confirmation=obj.opt_out_confirmation,
            actor=request.user,
            reason="Changed in the admin.",
            request=request,
        )
        obj.pk = saved.pk


@admin.register(OutboundAttempt)
class OutboundAttemptAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "created_at",
        "message_link",
        "tenant",
        "number",
        "outcome",
        "status_code",
        "error_code",
        "latency_ms",
    ]
    list_filter = ["outcome", "error_code", "tenant"]
    search_fields = ["=message__id", "provider_message_id", "error_code"]
    list_select_related = ["tenant", "message"]
    show_full_result_count = False
    fields = [
        "message_link",
        "tenant",
        "number",
        "outcome",
        "status_code",
        "error_code",
        "error_title",
        "provider_message_id",
        "latency_ms",
        "retry_after_s",
        "next_attempt_at",
        "summary",
        "created_at",
    ]
    readonly_fields = fields

    @admin.display(description="message")
    def message_link(self, obj):
        return admin_link(obj.message, f"#{obj.message_id}")

    @admin.display(description="request (no secrets)")
    def summary(self, obj):
        return pretty_json(obj.request_summary)


@admin.register(SendingConnection)
class SendingConnectionAdmin(ListOnlyChangeMixin, admin.ModelAdmin):
    list_display = ["name", "tenant", "provider", "sending", "waiting", "connection"]
    list_filter = ["provider", ("sending_paused_at", admin.EmptyFieldListFilter), "tenant"]
    search_fields = ["name", "tenant__name", "tenant__slug"]
    fields = ["name", "tenant", "provider", "sending", "waiting", "connection"]
    readonly_fields = fields
    actions = [
        confirmed_action(
            description="Resume sending on selected connections",
            apply=lambda c, d, r: services.resume_sending(c, actor=r.user, reason=d["reason"], request=r),
        ),
        confirmed_action(
            description="Pause sending on selected connections",
            apply=lambda c, d, r: services.pause_sending(c, actor=r.user, reason=d["reason"], request=r),
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(provider__in=PROVIDER_OF.values()).select_related("tenant")

    @admin.display(description="sending")
    def sending(self, obj):
        if not obj.is_sending_paused:
            return "on"
        return format_html(
            '<strong style="color:#b91c1c">paused</strong> since {}: {}',
            zones.when(obj.sending_paused_at),
            obj.sending_paused_reason,
        )

    @admin.display(description="waiting messages")
    def waiting(self, obj):
        count = OutboundMessage.objects.filter(connection_id=obj.pk, status=Status.QUEUED).count()
        url = (
            reverse("admin:outbound_outboundmessage_changelist")
            + f"?status__exact=queued&connection__id__exact={obj.pk}"
        )
        return format_html('<a href="{}">{}</a>', url, count) if count else "0"

    @admin.display(description="connection settings")
    def connection(self, obj):
        return format_html(
            '<a href="{}">edit connection</a>', reverse("admin:integrations_connection_change", args=[obj.pk])
        )
