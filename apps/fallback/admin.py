"""Manual-mode conversations in the admin: which customers are answered by hand, in which ticket,
whether they got the notice and how each was handed back. Read-only: the intake, the agents'
replies and the switch write them (apps.fallback.services)."""

from django.contrib import admin
from django.urls import path

from apps.core.admin_display import ReadOnlyAdminMixin, admin_link
from apps.core.zones import when
from apps.fallback.models import Conversation, Reply


class ReplyInline(admin.TabularInline):
    model = Reply
    fields = ["created_at_utc", "ticket_message_link", "outbound_link", "delivery", "refusal"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="Replied at")
    def created_at_utc(self, obj):
        return when(obj.created_at)

    @admin.display(description="Reply")
    def ticket_message_link(self, obj):
        return obj.ticket_message.body[:120]

    @admin.display(description="Outbound message")
    def outbound_link(self, obj):
        return admin_link(obj.outbound_message) if obj.outbound_message_id else "-"

    @admin.display(description="Delivery")
    def delivery(self, obj):
        return obj.outbound_message.get_status_display() if obj.outbound_message_id else "not sent"


@admin.register(Conversation)
class ConversationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["contact", "tenant", "channel_name", "state", "ticket_link", "notice_status", "last_message_utc"]
    list_filter = ["state", "channel", "tenant"]
    search_fields = ["contact_id", "contact_name", "tenant__name", "ticket__subject"]
    list_select_related = ["tenant", "ticket", "notice"]
    inlines = [ReplyInline]
    fields = [
        "tenant",
        "connection",
        "channel_name",
        "contact_id",
        "contact_name",
        "ticket_link",
        "state",
        "opened_at_utc",
        "last_message_utc",
        "notice_status",
        "handed_back_at_utc",
        "outcome",
    ]
    readonly_fields = fields

    def get_urls(self):
        from apps.fallback.admin_views import confirm_view

        view = self.admin_site.admin_view(lambda request, way: confirm_view(request, self, way))
        return [path("switch/<str:way>/", view, name="fallback_conversation_switch"), *super().get_urls()]

    @admin.display(description="Channel", ordering="channel")
    def channel_name(self, obj):
        return obj.channel_label

    @admin.display(description="Contact", ordering="contact_name")
    def contact(self, obj):
        return f"{obj.contact_name} ({obj.contact_id})" if obj.contact_name else obj.contact_id

    @admin.display(description="Ticket")
    def ticket_link(self, obj):
        return admin_link(obj.ticket, f"#{obj.ticket_id} {obj.ticket.subject}")

    @admin.display(description="Notice")
    def notice_status(self, obj):
        if obj.notice_id is None:
            return "not sent"
        return admin_link(obj.notice, obj.notice.get_status_display())

    @admin.display(description="Last customer message", ordering="last_customer_message_at")
    def last_message_utc(self, obj):
        return when(obj.last_customer_message_at)

    @admin.display(description="Opened")
    def opened_at_utc(self, obj):
        return when(obj.opened_at)

    @admin.display(description="Handed back")
    def handed_back_at_utc(self, obj):
        return when(obj.handed_back_at) or "-"
