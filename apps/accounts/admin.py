from django.contrib import admin, messages

# admin_signup: pending signups; admin_telegram: Telegram links and the user page's Telegram panel
from apps.accounts import admin_signup, admin_telegram, services  # noqa: F401
from apps.accounts.models import ApiKey
from apps.core.errors import ServiceError


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys are issued with `manage.py create_api_key` or in the portal (the key is shown once);
    here agents see and revoke them."""

    list_display = ["name", "prefix", "tenant", "staff_user", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at", "tenant"]
    search_fields = ["name", "prefix", "tenant__slug", "staff_user__username"]
    readonly_fields = [
        "name",
        "prefix",
        "tenant",
        "staff_user",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    exclude = ["key_hash"]
    actions = ["revoke_keys"]

    @admin.action(description="Revoke selected keys", permissions=["change"])
    def revoke_keys(self, request, queryset):
        for api_key in queryset:
            try:
                services.revoke(api_key, actor=request.user, request=request)
            except ServiceError as exc:
                self.message_user(request, f"{api_key}: {exc.message}", messages.WARNING)

    def has_add_permission(self, request):
        return False
