"""The agents' ticket console. The list has the queues (mine, unassigned, breaching soon, all
open) and bulk actions with confirmation pages; a ticket opens on a console page (admin_views)
whose forms call apps.tickets.services. Nothing here writes a ticket directly."""

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import path
from django.utils import timezone

from apps.core.admin_actions import confirmed_action
from apps.core.admin_display import ReadOnlyAdminMixin, admin_link
from apps.events.admin_configuration import AuditedConfigurationAdmin
from apps.incidents.services import link_ticket
from apps.tickets import admin_reports, admin_views, notifications, services, sla
from apps.tickets.models import (
    ACTIVE_STATUSES,
    Macro,
    SlaPolicy,
    Status,
    Tag,
    Ticket,
    TicketNotification,
)


class QueueFilter(admin.SimpleListFilter):
    title = "queue"
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [
            ("mine", "Mine (open)"),
            ("unassigned", "Unassigned (open)"),
            ("breaching", "Breaching soon (by time left)"),
            ("open", "All open"),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "mine":
            return queryset.open().filter(assignee=request.user)
        if value == "unassigned":
            return queryset.open().filter(assignee__isnull=True)
        if value == "breaching":
            return breaching_soon(queryset)
        if value == "open":
            return queryset.open()
        return queryset


def breaching_soon(queryset, now=None):
    """Active tickets whose nearest unmet target is due within TICKET_SLA_SOON_MINUTES (or
    already overdue and about to be marked), nearest first."""
    now = now or timezone.now()
    return queryset.filter(status__in=ACTIVE_STATUSES, sla_next_due_at__lte=sla.soon_cutoff(now)).order_by(
        "sla_next_due_at"
    )


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(), required=False, empty_label="Unassigned"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = (
            get_user_model().objects.filter(is_staff=True, is_active=True).order_by("username")
        )


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Status.choices)


class IncidentForm(forms.Form):
    incident = forms.ModelChoiceField(queryset=None, help_text="Open incidents only.")

    def __init__(self, *args, **kwargs):
        from apps.incidents.models import Incident

        super().__init__(*args, **kwargs)
        self.fields["incident"].queryset = Incident.objects.open()


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ["id", "subject", "tenant", "priority", "status", "assignee", "sla_state", "last_activity_at"]
    list_display_links = ["id", "subject"]
    list_filter = [
        QueueFilter,
        "status",
        "priority",
        "tenant",
        ("assignee", admin.RelatedOnlyFieldListFilter),
        "tags",
        "channel",
    ]
    search_fields = ["=id", "subject", "requester_name", "requester_email", "requester_user__username"]
    list_select_related = ["tenant", "assignee", "sla_policy"]
    show_full_result_count = False
    list_per_page = 100
    change_list_template = "admin/tickets/ticket/change_list.html"
    actions = [
        confirmed_action(
            description="Assign selected tickets",
            form_class=AssignForm,
            apply=lambda t, d, r: services.assign(t, d["assignee"], actor=r.user, request=r),
        ),
        confirmed_action(
            description="Set status of selected tickets",
            form_class=StatusForm,
            apply=lambda t, d, r: services.change_status(t, d["status"], actor=r.user, request=r),
        ),
        confirmed_action(
            description="Link selected tickets to an incident",
            form_class=IncidentForm,
            apply=lambda t, d, r: link_ticket(d["incident"], t, actor=r.user, request=r),
        ),
    ]

    def has_delete_permission(self, request, obj=None):
        """Tickets are records: they are closed, never deleted from the console."""
        return False

    def get_ordering(self, request):
        if request.GET.get("queue") == "breaching":
            return ["sla_next_due_at", "id"]
        return super().get_ordering(request)

    @admin.display(description="SLA", ordering="sla_next_due_at")
    def sla_state(self, obj):
        return sla.summary(obj)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("reports/", wrap(lambda r: admin_reports.reports_view(r, self)), name="tickets_reports"),
            path("reports.csv", wrap(admin_reports.reports_csv), name="tickets_reports_csv"),
            path(
                "reply-to-incident/<int:incident_id>/",
                wrap(lambda r, incident_id: admin_views.reply_to_incident_view(r, self, incident_id)),
                name="tickets_reply_to_incident",
            ),
            path("<int:ticket_id>/act/<str:operation>/", wrap(admin_views.console_action), name="tickets_ticket_act"),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        return admin_views.add_view(request, self)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return admin_views.console_view(request, self, object_id)


@admin.register(SlaPolicy)
class SlaPolicyAdmin(AuditedConfigurationAdmin):
    """Changes apply to tickets opened (or re-prioritised) afterwards; open tickets keep their due times."""

    list_display = [
        "__str__",
        "plan",
        "priority",
        "first_response_minutes",
        "next_response_minutes",
        "resolution_minutes",
        "business_hours",
        "business_start",
        "business_end",
    ]
    list_filter = ["plan", "priority", "business_hours"]


@admin.register(Macro)
class MacroAdmin(AuditedConfigurationAdmin):
    list_display = ["name", "visibility", "set_status", "is_active"]
    list_filter = ["visibility", "is_active"]
    search_fields = ["name", "body"]


@admin.register(Tag)
class TagAdmin(AuditedConfigurationAdmin):
    search_fields = ["name"]


@admin.register(TicketNotification)
class TicketNotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "ticket_link", "kind", "recipient", "status", "sent_at", "short_error"]
    list_filter = ["status", "kind"]
    search_fields = ["recipient", "=ticket__id"]
    list_select_related = ["ticket"]
    show_full_result_count = False
    fields = [
        "ticket_link",
        "kind",
        "event_key",
        "recipient",
        "subject",
        "body",
        "status",
        "error",
        "created_at",
        "sent_at",
    ]
    readonly_fields = fields
    actions = ["send_again"]

    @admin.display(description="Ticket")
    def ticket_link(self, obj):
        return admin_link(obj.ticket)

    @admin.display(description="Error")
    def short_error(self, obj):
        return obj.error[:100]

    @admin.action(description="Send the selected failed emails again", permissions=["resend"])
    def send_again(self, request, queryset):
        failed = list(queryset.filter(status=TicketNotification.State.FAILED))
        for notification in failed:
            notifications.retry(notification)
        self.message_user(request, f"{len(failed)} email(s) queued again.")

    def has_resend_permission(self, request):
        return request.user.has_perm("tickets.change_ticket")
