"""Pending signups in the admin: who asked, where each one stands, who decided, and the tenant and user
it became. Operators may cancel an open one (with a reason); the PIN's HMAC and the password hash are
never shown. Signups are made only by the signup flow, so there is no add or edit."""

from datetime import UTC

from django.contrib import admin

from apps.accounts.models import PendingSignup
from apps.accounts.signup import services
from apps.accounts.signup.rules import SignupRefused
from apps.core.admin_actions import confirmed_action
from apps.core.admin_display import admin_link
from apps.core.errors import ServiceError


def utc(moment) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else "-"


def _cancel(signup, data, request):
    try:
        services.cancel(signup, actor=request.user, reason=data["reason"], request=request)
    except SignupRefused as exc:
        raise ServiceError(exc.refusal.detail, exc.refusal.code) from None


@admin.register(PendingSignup)
class PendingSignupAdmin(admin.ModelAdmin):
    list_display = ["company", "email", "status", "requested", "pin_expires", "wrong_tries", "decider", "tenant_link"]
    list_filter = ["status", "created_at"]
    search_fields = ["company", "email", "slug"]
    date_hierarchy = "created_at"
    fields = [
        "id",
        "company",
        "slug",
        "email",
        "time_zone",
        "ip",
        "status",
        "note",
        "requested",
        "pin_expires",
        "wrong_tries",
        "decider",
        "decided",
        "tenant_link",
        "user_link",
        "completed",
        "telegram_message",
    ]
    readonly_fields = fields
    actions = [
        confirmed_action(
            description="Cancel the selected signups",
            apply=_cancel,
            success="Signups cancelled",
        )
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Requested (UTC)", ordering="created_at")
    def requested(self, obj):
        return utc(obj.created_at)

    @admin.display(description="PIN expires (UTC)", ordering="pin_expires_at")
    def pin_expires(self, obj):
        return utc(obj.pin_expires_at)

    @admin.display(description="Decided (UTC)", ordering="decided_at")
    def decided(self, obj):
        return utc(obj.decided_at)

    @admin.display(description="Completed (UTC)", ordering="completed_at")
    def completed(self, obj):
        return utc(obj.completed_at)

    @admin.display(description="Decided by")
    def decider(self, obj):
        return admin_link(obj.decided_by) if obj.decided_by_id else "-"

    @admin.display(description="Tenant", ordering="tenant__name")
    def tenant_link(self, obj):
        return admin_link(obj.tenant) if obj.tenant_id else "-"

    @admin.display(description="User")
    def user_link(self, obj):
        return admin_link(obj.user) if obj.user_id else "-"

    @admin.display(description="Owner's Telegram message")
    def telegram_message(self, obj):
        if not obj.owner_message_id:
            return "not sent"
        return f"message {obj.owner_message_id} in chat {obj.owner_chat_id}"
