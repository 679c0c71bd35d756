"""The portal's manual-mode page: every member sees whether manual mode is on and what customers
are told; owners and admins edit the notice text and the fallback e-mail address."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from apps.core.portal_forms import form_status, submit
from apps.fallback import state
from apps.fallback.forms import NoticeForm
from apps.fallback.services import notice
from apps.tenants import roles
from apps.tenants import services as tenants
from apps.tenants.models import SystemSettings
from apps.tenants.portal import role_required


@require_GET
@role_required("tenant.view")
def manual_mode(request):
    tenant = request.tenant
    form = NoticeForm(initial={"notice": tenant.manual_mode_notice, "fallback_email": tenant.fallback_email})
    return _page(request, form)


@require_POST
@role_required("fallback.manage")
def save_texts(request):
    form = NoticeForm(request.POST)
    saved, _ = submit(request, form, lambda data: _save(request, data))
    if saved:
        messages.success(request, "The manual-mode notice and fallback e-mail are saved.")
        return redirect("fallback:settings")
    return _page(request, form, status=form_status(form))


def _save(request, data):
    return tenants.set_manual_mode_texts(
        request.tenant,
        notice=data["notice"],
        fallback_email=data["fallback_email"],
        actor=request.user,
        request=request,
    )


def _page(request, form, status=200):
    tenant = request.tenant
    context = {
        "form": form,
        "on": state.is_on(tenant),
        "tenant_since": tenant.manual_mode_since,
        "platform_since": SystemSettings.load().manual_mode_since,
        "preview": notice.text_for(tenant),
        "conversations": state.open_conversations(tenant).select_related("ticket")[:50],
        "may_edit": roles.allows(request.membership.role, "fallback.manage"),
    }
    return render(request, "fallback/settings.html", context, status=status)
