"""The Telegram panel of the admin: every bound account (search by username or Telegram id), each
user's page with "Generate bind code" and "Unbind", and "My Telegram" for any staff member, so an
on-call engineer can bind their own account without the right to change users. Everything calls
apps.platform_bot.services, which audits it."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from apps.accounts.models import TelegramLink
from apps.core import zones
from apps.core.admin_actions import confirmed_action
from apps.core.admin_display import admin_link
from apps.platform_bot import links, services

User = get_user_model()


def may_manage(request, user) -> bool:
    """Anyone on staff for themselves; for others, whoever may change users."""
    return request.user.pk == user.pk or request.user.has_perm("auth.change_user")


class UnbindForm(forms.Form):
    reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text="Optional: why (a lost phone, leaving the rota). It goes into the audit log.",
    )


def _unbind(link, data, request):
    services.unbind(link.user, actor=request.user, reason=data.get("reason", ""))


@admin.register(TelegramLink)
class TelegramLinkAdmin(admin.ModelAdmin):
    list_display = ["user_link", "handle", "telegram_user_id", "chat_id", "bound", "owner"]
    list_filter = ["user__is_superuser", "user__is_active"]
    search_fields = ["user__username", "user__email", "telegram_username", "=telegram_user_id"]
    list_select_related = ["user"]
    readonly_fields = ["user_link", "handle", "telegram_user_id", "chat_id", "bound", "owner"]
    fields = readonly_fields
    actions = [
        confirmed_action(description="Unbind the selected Telegram accounts", apply=_unbind, form_class=UnbindForm)
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Opsdesk user", ordering="user__username")
    def user_link(self, obj):
        return admin_link(obj.user, obj.user.get_username())

    @admin.display(description="Telegram account", ordering="telegram_username")
    def handle(self, obj):
        return f"@{obj.telegram_username}" if obj.telegram_username else "(no username)"

    @admin.display(description="bound at", ordering="bound_at")
    def bound(self, obj):
        return zones.when(obj.bound_at)

    @admin.display(description="signup owner", boolean=True)
    def owner(self, obj):
        return links.owner() == obj.user

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("mine/", wrap(self.mine_view), name="accounts_telegramlink_mine"),
            path("code/<int:user_id>/", wrap(self.code_view), name="accounts_telegramlink_code"),
            path("unbind/<int:user_id>/", wrap(self.unbind_view), name="accounts_telegramlink_unbind"),
            *super().get_urls(),
        ]

    def mine_view(self, request):
        return TemplateResponse(
            request,
            "admin/accounts/telegram_panel.html",
            {**self._context(request, "My Telegram"), "person": request.user, "panel": panel(request.user)},
        )

    def code_view(self, request, user_id):
        person = self._person(request, user_id)
        if request.method != "POST":
            return redirect(reverse("admin:accounts_telegramlink_mine"))
        code, row = services.new_bind_code(person, actor=request.user)
        return TemplateResponse(
            request,
            "admin/accounts/telegram_code.html",
            {
                **self._context(request, f"Bind code for {person.get_username()}"),
                "person": person,
                "code": code,
                "expires": zones.when(row.expires_at, "s"),
            },
        )

    def unbind_view(self, request, user_id):
        person = self._person(request, user_id)
        form = UnbindForm(request.POST if "confirm" in request.POST else None)
        if "confirm" in request.POST and form.is_valid():
            done = services.unbind(person, actor=request.user, reason=form.cleaned_data["reason"])
            self.message_user(request, "Unbound." if done else "There was no Telegram account bound.", messages.SUCCESS)
            return redirect(_back(request, person))
        return TemplateResponse(
            request,
            "admin/accounts/telegram_unbind.html",
            {
                **self._context(request, f"Unbind Telegram from {person.get_username()}"),
                "person": person,
                "form": form,
                "link": links.link_of(person),
                "back": _back(request, person),
            },
        )

    def _person(self, request, user_id):
        person = get_object_or_404(User, pk=user_id)
        if not may_manage(request, person):
            raise PermissionDenied
        return person

    def _context(self, request, title):
        return {**self.admin_site.each_context(request), "title": title, "opts": self.model._meta}


def _back(request, person):
    if request.user.pk == person.pk:
        return reverse("admin:accounts_telegramlink_mine")
    return reverse("admin:auth_user_change", args=[person.pk])


def panel(user) -> dict:
    link = links.link_of(user)
    return {
        "link": link,
        "bound_at": zones.when(link.bound_at) if link else "",
        "is_owner": bool(link) and links.owner() == user,
        "code_url": reverse("admin:accounts_telegramlink_code", args=[user.pk]),
        "unbind_url": reverse("admin:accounts_telegramlink_unbind", args=[user.pk]),
    }


def panel_html(user):
    """The Telegram panel on the user's page: its buttons post with `formaction`, so they work
    inside the user form without JavaScript; unbinding asks for confirmation first."""
    if user.pk is None:
        return "-"
    info = panel(user)
    generate = format_html(
        '<button type="submit" class="button" formaction="{}" formnovalidate>Generate bind code</button>',
        info["code_url"],
    )
    if info["link"] is None:
        return format_html("Not bound. {} then send <code>/bind &lt;code&gt;</code> to the platform bot.", generate)
    link = info["link"]
    handle = f"@{link.telegram_username}" if link.telegram_username else f"Telegram id {link.telegram_user_id}"
    return format_html(
        'Bound to {} since {}{}. {} <a class="button" href="{}">Unbind…</a>',
        handle,
        info["bound_at"],
        " (the signup owner)" if info["is_owner"] else "",
        generate,
        info["unbind_url"],
    )


class OpsdeskUserAdmin(UserAdmin):
    """Django's user admin with the Telegram panel."""

    readonly_fields = [*UserAdmin.readonly_fields, "telegram"]
    list_display = [*UserAdmin.list_display, "telegram_bound"]

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        return fieldsets + [("Telegram (platform bot)", {"fields": ["telegram"]})] if obj else fieldsets

    @admin.display(description="Telegram")
    def telegram(self, obj):
        return panel_html(obj)

    @admin.display(description="Telegram", boolean=True)
    def telegram_bound(self, obj):
        return hasattr(obj, "telegram_link")


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, OpsdeskUserAdmin)
