from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from apps.accounts import services
from apps.accounts.models import ApiKey
from apps.core.errors import ServiceError
from apps.platform_bot import signup as bot_signup
from apps.tenants.portal import role_required


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "signup": bot_signup.availability()}


class LogoutView(auth_views.LogoutView):
    """POST only (Django's rule): a link cannot log anyone out."""


@role_required("api_keys.manage")
def api_keys(request):
    new_key = None
    if request.method == "POST":
        _, new_key = services.issue_tenant_key(
            request.tenant, name=request.POST.get("name", ""), actor=request.user, request=request
        )
    keys = ApiKey.objects.for_tenant(request.tenant)
    return render(request, "portal/api_keys.html", {"keys": keys, "new_key": new_key})


@require_POST
@role_required("api_keys.manage")
def revoke_api_key(request, key_id):
    api_key = get_object_or_404(ApiKey.objects.for_tenant(request.tenant), pk=key_id)
    try:
        services.revoke(api_key, actor=request.user, request=request)
        messages.success(request, f"Key {api_key.prefix}… revoked.")
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("portal:api_keys")
