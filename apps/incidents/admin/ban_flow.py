"""The WhatsApp ban flow in the admin: started from the tenant's page or the incident console,
then one page per flow that shows where it is (the cooldown's end, the banned device, the watch)
and offers only the next step, plus "abandon". Every button calls `services.ban_flow`."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from apps.core.admin_display import ReadOnlyAdminMixin, admin_link
from apps.core.errors import ServiceError
from apps.incidents.models import BanFlow, Incident
from apps.incidents.services import ban_flow
from apps.integrations.waha import sessions
from apps.tenants.models import Tenant

Step = BanFlow.Step


class StartForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2, "cols": 60}), help_text="Goes to the audit log.")
    cooldown_hours = forms.IntegerField(
        initial=settings.BAN_SUGGESTED_COOLDOWN_HOURS,
        min_value=settings.BAN_REENABLE_HOURS,
        help_text=f"At least {settings.BAN_REENABLE_HOURS} h; {settings.BAN_SUGGESTED_COOLDOWN_HOURS} h suggested.",
    )


class NewSessionForm(forms.Form):
    device_name = forms.CharField(
        max_length=200, help_text="The name the phone will list under Linked devices: not the banned one."
    )


class AbandonForm(forms.Form):
    reason = forms.CharField(max_length=500)


@admin.register(BanFlow)
class BanFlowAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["tenant", "step", "cooldown_until", "banned_device_name", "new_device_name", "watch_until"]
    list_filter = ["step"]
    search_fields = ["tenant__name", "banned_device_name", "new_device_name"]

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("start/<int:tenant_id>/", wrap(start_view), name="incidents_banflow_start"),
            path("<int:flow_id>/step/", wrap(flow_view), name="incidents_banflow_flow"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return redirect(reverse("admin:incidents_banflow_flow", args=[object_id]))


def _require_change(request):
    if not request.user.has_perm("incidents.change_incident"):
        raise PermissionDenied


def start_view(request, tenant_id):
    _require_change(request)
    tenant = get_object_or_404(Tenant, pk=tenant_id)
    running = ban_flow.open_flow(tenant)
    if running:
        return redirect(reverse("admin:incidents_banflow_flow", args=[running.pk]))
    incident = Incident.objects.open().filter(pk=request.GET.get("incident") or 0).first()
    form = StartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            flow = ban_flow.start(
                tenant,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                cooldown_hours=form.cleaned_data["cooldown_hours"],
                incident=incident,
                request=request,
            )
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect(reverse("admin:incidents_banflow_flow", args=[flow.pk]))
    context = {
        **admin.site.each_context(request),
        "title": f"WhatsApp ban: {tenant.name}",
        "tenant": tenant,
        "incident": incident,
        "form": form,
        "connection": ban_flow.waha_connection(tenant),
    }
    return TemplateResponse(request, "admin/incidents/ban_flow/start.html", context)


STEP_FORMS = {"new_session": NewSessionForm, "abandon": AbandonForm, "reenable": forms.Form}


def flow_view(request, flow_id):
    flow = get_object_or_404(BanFlow.objects.select_related("tenant", "incident", "connection"), pk=flow_id)
    operation = request.POST.get("operation", "")
    bound = {name: form_class(request.POST if operation == name else None) for name, form_class in STEP_FORMS.items()}
    if request.method == "POST":
        _require_change(request)
        form = bound.get(operation)
        if form is not None and form.is_valid():
            try:
                _apply(flow, operation, form.cleaned_data, request)
            except ServiceError as exc:
                messages.error(request, exc.message)
            else:
                return redirect(reverse("admin:incidents_banflow_flow", args=[flow.pk]))
    context = {
        **admin.site.each_context(request),
        "title": str(flow),
        "flow": flow,
        "forms": bound,
        "incident_link": admin_link(flow.incident),
        "page": sessions.page(flow.connection) if flow.connection and flow.step == Step.NEW_SESSION else None,
    }
    return TemplateResponse(request, "admin/incidents/ban_flow/flow.html", context)


def _apply(flow, operation, data, request):
    if operation == "new_session":
        ban_flow.new_session(flow, device_name=data["device_name"], actor=request.user, request=request)
        messages.success(request, "New session created: scan its QR code on the tenant's phone.")
    elif operation == "reenable":
        ban_flow.reenable(flow, actor=request.user, request=request)
        messages.success(request, "WhatsApp is back on; the connection is watched every minute for an hour.")
    else:
        ban_flow.abandon(flow, actor=request.user, reason=data["reason"], request=request)
        messages.success(request, "The ban flow was abandoned.")
