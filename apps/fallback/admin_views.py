"""The confirmation page behind the incident kill-switch panel's "Manual mode on… / off…" buttons:
it says what the switch will do (AI stops, messages become tickets, the notice customers get, or how
many conversations are handed back) and asks for the reason. Its form posts to the incident's own
switch operation, so the switch has one way in (apps.incidents.services.apply_mitigation)."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse

from apps.fallback import state
from apps.fallback.models import Conversation
from apps.fallback.services import notice
from apps.incidents.models import Incident
from apps.incidents.services.mitigations import MITIGATIONS, switch_permission
from apps.tenants.models import Tenant

WAYS = {"on", "off"}


def confirm_view(request, model_admin, way):
    if way not in WAYS:
        raise Http404("Manual mode goes on or off.")
    incident = get_object_or_404(Incident, pk=_number(request.GET.get("incident")))
    tenant = _tenant(request.GET.get("tenant"))
    action = f"{'tenant' if tenant else 'global'}_manual_{way}"
    if not request.user.has_perm("incidents.change_incident") or not request.user.has_perm(switch_permission(action)):
        raise PermissionDenied
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"{MITIGATIONS[action].label}{f' for {tenant.name}' if tenant else ''}?",
        "opts": Conversation._meta,
        "incident": incident,
        "tenant": tenant,
        "way": way,
        "action": action,
        "post_url": reverse(
            "admin:incidents_incident_act", args=[incident.pk, "tenant-switch" if tenant else "global-switch"]
        ),
        "open_conversations": state.open_conversations(tenant).count(),
        "preview": notice.text_for(tenant) if tenant else notice.STANDARD,
    }
    return TemplateResponse(request, "admin/fallback/confirm_switch.html", context)


def _number(value) -> int:
    return int(value) if str(value or "").isdigit() else 0


def _tenant(value):
    if not value:
        return None
    found = Tenant.objects.filter(pk=_number(value)).first()
    if found is None:
        raise Http404("No such tenant.")
    return found
