"""Stakeholder communication in the admin: status page subscribers (search, state filter, an
unsubscribe action), every e-mail with its status and error (retry with a confirmation page),
the announcements made from incidents, tenants' portal notices, and the editable templates (their
placeholders checked on save, a bad one a form error). Every change goes through apps.comms.services."""

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from apps.comms import placeholders
from apps.comms.models import Announcement, Delivery, NoticeTemplate, Subscriber, TenantNotice
from apps.comms.services import outbox_mail, subscriptions, templates
from apps.core.admin_actions import confirmed_action
from apps.core.admin_display import ReadOnlyAdminMixin, admin_link
from apps.core.errors import ServiceError

UTC_STAMP = "%Y-%m-%d %H:%M:%S UTC"


def utc(value):
    return f"{value:{UTC_STAMP}}" if value else "-"


class ActionsOnlyMixin:
    """Rows are changed by actions (which need the change permission on the list); their pages are
    read-only."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request)


class ByIncidentMixin:
    """Lists reached from the incident console, filtered to its incident (`incident_lookup=<id>`)."""

    incident_lookup = "incident__id__exact"

    def lookup_allowed(self, lookup, value, request=None):
        return lookup == self.incident_lookup or super().lookup_allowed(lookup, value, request)


class ConfirmForm(forms.Form):
    """No questions: the page lists what the action applies to and asks for a yes."""


def deliveries_link(label, **filters):
    query = "&".join(f"{key}={value}" for key, value in filters.items())
    return format_html('<a href="{}?{}">{}</a>', reverse("admin:comms_delivery_changelist"), query, label)


@admin.register(Subscriber)
class SubscriberAdmin(ActionsOnlyMixin, admin.ModelAdmin):
    list_display = ["email", "state", "requested", "confirmed", "unsubscribed", "emails"]
    list_filter = ["state"]
    search_fields = ["email"]
    fields = ["email", "state", "requested", "confirmed", "unsubscribed", "requested_ip", "emails"]
    readonly_fields = fields
    actions = [
        confirmed_action(
            description="Unsubscribe the selected addresses",
            form_class=ConfirmForm,
            apply=lambda obj, data, request: subscriptions.remove(obj, actor=request.user, request=request),
        )
    ]

    @admin.display(description="requested (UTC)", ordering="requested_at")
    def requested(self, obj):
        return utc(obj.requested_at)

    @admin.display(description="confirmed (UTC)", ordering="confirmed_at")
    def confirmed(self, obj):
        return utc(obj.confirmed_at)

    @admin.display(description="unsubscribed (UTC)", ordering="unsubscribed_at")
    def unsubscribed(self, obj):
        return utc(obj.unsubscribed_at)

    @admin.display(description="e-mails")
    def emails(self, obj):
        return deliveries_link(f"{obj.deliveries.count()} e-mail(s)", subscriber__id__exact=obj.pk)


@admin.register(Delivery)
class DeliveryAdmin(ByIncidentMixin, ActionsOnlyMixin, admin.ModelAdmin):
    incident_lookup = "announcement__incident__id__exact"
    list_display = ["created", "audience", "recipient", "status", "attempts", "incident", "tenant", "short_error"]
    list_filter = ["status", "audience", "announcement__kind", "tenant"]
    search_fields = ["recipient", "subject", "=announcement__incident__id"]
    list_select_related = ["announcement__incident", "tenant"]
    fields = [
        "audience",
        "recipient",
        "status",
        "attempts",
        "error",
        "incident",
        "announcement_link",
        "tenant",
        "subscriber_link",
        "created",
        "sent",
        "subject",
        "body",
    ]
    readonly_fields = fields
    actions = [
        confirmed_action(
            description="Retry the selected failed e-mails",
            form_class=ConfirmForm,
            apply=lambda obj, data, request: outbox_mail.retry(obj, actor=request.user, request=request),
        )
    ]

    @admin.display(description="created (UTC)", ordering="created_at")
    def created(self, obj):
        return utc(obj.created_at)

    @admin.display(description="sent (UTC)", ordering="sent_at")
    def sent(self, obj):
        return utc(obj.sent_at)

    @admin.display(description="error")
    def short_error(self, obj):
        return (obj.error[:120] + ("…" if len(obj.error) > 120 else "")) or "-"

    @admin.display(description="incident")
    def incident(self, obj):
        return admin_link(obj.announcement.incident) if obj.announcement_id else "-"

    @admin.display(description="announcement")
    def announcement_link(self, obj):
        return admin_link(obj.announcement)

    @admin.display(description="subscriber")
    def subscriber_link(self, obj):
        return admin_link(obj.subscriber)


@admin.register(Announcement)
class AnnouncementAdmin(ByIncidentMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["occurred", "kind", "incident_link", "public", "impact", "status_label", "emails"]
    list_filter = ["kind", "public"]
    search_fields = ["=incident__id", "incident__title", "public_update"]
    list_select_related = ["incident"]
    fields = [
        "incident_link",
        "kind",
        "public",
        "impact",
        "status_label",
        "public_update",
        "occurred",
        "fanned_out",
        "emails",
    ]
    readonly_fields = fields

    @admin.display(description="occurred (UTC)", ordering="occurred_at")
    def occurred(self, obj):
        return utc(obj.occurred_at)

    @admin.display(description="subscribers' e-mails made (UTC)")
    def fanned_out(self, obj):
        return utc(obj.fanned_out_at) if obj.public else "not public: no subscriber e-mails"

    @admin.display(description="incident")
    def incident_link(self, obj):
        return admin_link(obj.incident)

    @admin.display(description="e-mails")
    def emails(self, obj):
        return deliveries_link(f"{obj.deliveries.count()} e-mail(s)", announcement__id__exact=obj.pk)


@admin.register(TenantNotice)
class TenantNoticeAdmin(ByIncidentMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created", "tenant", "kind", "incident_link", "text"]
    list_filter = ["kind", "tenant"]
    search_fields = ["text", "tenant__name", "=incident__id"]
    list_select_related = ["tenant", "incident"]

    @admin.display(description="created (UTC)", ordering="created_at")
    def created(self, obj):
        return utc(obj.created_at)

    @admin.display(description="incident")
    def incident_link(self, obj):
        return admin_link(obj.incident)


PLACEHOLDER_HELP = "Placeholders: " + "; ".join(f"{{{name}}} — {what}" for name, what in placeholders.ALLOWED.items())


class NoticeTemplateForm(forms.ModelForm):
    class Meta:
        model = NoticeTemplate
        fields = ["kind", "notice", "subject", "body"]
        help_texts = {"body": PLACEHOLDER_HELP}
        widgets = {"body": forms.Textarea(attrs={"rows": 10, "cols": 90})}

    def clean(self):
        data = super().clean()
        for field, texts in templates.problems(data).items():
            self.add_error(field, texts)
        return data


@admin.register(NoticeTemplate)
class NoticeTemplateAdmin(admin.ModelAdmin):
    form = NoticeTemplateForm
    list_display = ["kind", "notice", "subject", "updated"]

    @admin.display(description="updated (UTC)", ordering="updated_at")
    def updated(self, obj):
        return utc(obj.updated_at)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        try:
            templates.save_template(obj, actor=request.user, request=request)
        except ServiceError as exc:  # the form checked the same rules; a race is the only way here
            raise forms.ValidationError(exc.message) from exc
