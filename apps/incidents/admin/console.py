"""The incident console: the page the on-call engineer lives in during an outage, and its forms.
Staff-only (wrapped in `admin_site.admin_view`); reading needs incidents.view_incident, every form
needs incidents.change_incident (a kill switch also the tenants admin's permission for it, as the
API does), and every form calls a service."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.core.admin_console import run_operation
from apps.core.admin_console import valid as _valid
from apps.core.errors import ServiceError
from apps.incidents import services
from apps.incidents.admin import checklists as checklist_console
from apps.incidents.admin import forms as f
from apps.incidents.admin.context import console_context
from apps.incidents.models import FollowUp, Incident, Runbook
from apps.incidents.services.mitigations import switch_permission
from apps.tenants.models import Tenant

VIEW, CHANGE, ADD = "incidents.view_incident", "incidents.change_incident", "incidents.add_incident"


def require(request, permission):
    if not request.user.has_perm(permission):
        raise PermissionDenied


def console_url(incident_id):
    return reverse("admin:incidents_incident_change", args=[incident_id])


def console_view(request, model_admin, object_id):
    require(request, VIEW)
    if not str(object_id).isdigit():
        raise Http404("No such incident.")
    incident = get_object_or_404(Incident.objects.select_related("owner", "subject_tenant"), pk=object_id)
    return TemplateResponse(
        request,
        "admin/incidents/incident/console.html",
        {
            **model_admin.admin_site.each_context(request),
            "title": f"#{incident.pk} {incident.title}",
            "opts": Incident._meta,
            "incident": incident,
            "can_change": request.user.has_perm(CHANGE),
            **console_context(incident),
            **checklist_console.context(incident),
        },
    )


@require_POST
def console_action(request, incident_id, operation):
    require(request, CHANGE)
    incident = get_object_or_404(Incident, pk=incident_id)
    return run_operation(request, incident, OPERATIONS, operation, console_url(incident.pk))


def _acknowledge(request, incident):
    services.acknowledge(incident, actor=request.user, request=request)
    return "Acknowledged: escalation for the acknowledgement deadline stops."


def _note(request, incident):
    services.add_note(incident, _valid(f.NoteForm(request.POST))["text"], actor=request.user)
    return "Note added to the timeline."


def _status(request, incident):
    data = _valid(f.StatusForm(request.POST))
    services.change_status(
        incident,
        data["status"],
        actor=request.user,
        note=data["note"],
        request=request,
        override_reason=data["override_reason"],
    )
    return f"Status changed to {data['status']}."


def _owner(request, incident):
    owner = _valid(f.OwnerForm(request.POST))["owner"]
    services.assign_owner(incident, owner, actor=request.user, request=request)
    return f"Owner is now {owner or 'nobody'}."


def _severity(request, incident):
    data = _valid(f.SeverityForm(request.POST))
    services.change_severity(incident, data["severity"], actor=request.user, reason=data["reason"], request=request)
    return f"Severity changed to {data['severity']}."


def _details(request, incident):
    services.update_details(incident, actor=request.user, request=request, **_valid(f.DetailsForm(request.POST)))
    return "Details saved."


def _follow_up(request, incident):
    follow_up = services.add_follow_up(incident, actor=request.user, **_valid(f.FollowUpForm(request.POST)))
    return f"Follow-up {follow_up.title!r} added."


def _follow_up_done(request, incident):
    follow_up = get_object_or_404(FollowUp, pk=request.POST.get("follow_up") or 0, incident=incident)
    services.complete_follow_up(follow_up, actor=request.user)
    return f"Follow-up {follow_up.title!r} done."


def _postmortem(request, incident):
    services.write_postmortem(incident, actor=request.user, request=request, **_valid(f.PostmortemForm(request.POST)))
    return "Postmortem saved."


def _run_checks(request, incident):
    entries = services.run_checks(incident, actor=request.user)
    failed = sum(1 for entry in entries if entry.data.get("status") == "fail")
    return f"Ran {len(entries)} check(s): {failed} failed. The results are on the timeline."


def _tenant_switch(request, incident):
    data = _valid(f.TenantSwitchForm(request.POST))
    require(request, switch_permission(data["action"]))
    tenant = Tenant.objects.filter(pk=data["tenant"]).first()
    if tenant is None:
        raise ServiceError("Choose the tenant to switch.", "no_tenant")
    services.apply_mitigation(
        incident, data["action"], actor=request.user, reason=data["reason"], tenant=tenant, request=request
    )
    return f"{services.MITIGATIONS[data['action']].label} for {tenant.name}: done and audited."


def _global_switch(request, incident):
    data = _valid(f.GlobalSwitchForm(request.POST))
    require(request, switch_permission(data["action"]))
    services.apply_mitigation(incident, data["action"], actor=request.user, reason=data["reason"], request=request)
    return f"{services.MITIGATIONS[data['action']].label}: done and audited."


def _link_ticket(request, incident):
    from apps.tickets.models import Ticket

    ticket_id = _valid(f.LinkTicketForm(request.POST))["ticket"]
    ticket = Ticket.objects.select_related("tenant").filter(pk=ticket_id).first()
    if ticket is None:
        raise ServiceError(f"There is no ticket #{ticket_id}.", "no_ticket")
    services.link_ticket(incident, ticket, actor=request.user, request=request)
    return f"Ticket #{ticket.pk} linked."


def _link_run(request, incident):
    from apps.integrations.models import AutomationRun

    run_id = _valid(f.LinkAutomationRunForm(request.POST))["run"]
    run = AutomationRun.objects.select_related("tenant").filter(pk=run_id).first()
    if run is None:
        raise ServiceError(f"There is no automation run #{run_id}.", "no_automation_run")
    services.link_automation_run(incident, run, actor=request.user, request=request)
    return f"Automation run #{run.pk} linked."


OPERATIONS = {
    "acknowledge": _acknowledge,
    "note": _note,
    "status": _status,
    "owner": _owner,
    "severity": _severity,
    "details": _details,
    "follow-up": _follow_up,
    "follow-up-done": _follow_up_done,
    "postmortem": _postmortem,
    "run-checks": _run_checks,
    "tenant-switch": _tenant_switch,
    "global-switch": _global_switch,
    "link-ticket": _link_ticket,
    "link-run": _link_run,
    **checklist_console.OPERATIONS,
}


def add_view(request, model_admin):
    require(request, ADD)
    form = f.NewIncidentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            incident = services.create_incident(actor=request.user, request=request, **form.cleaned_data)
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"Incident #{incident.pk} opened.")
            return redirect(console_url(incident.pk))
    return TemplateResponse(
        request,
        "admin/incidents/incident/add.html",
        {
            **model_admin.admin_site.each_context(request),
            "title": "Open an incident",
            "opts": Incident._meta,
            "form": form,
        },
    )


def runbook_by_slug(request, slug):
    """A stable address for a runbook, used by the Error Center beside each event."""
    book = Runbook.objects.filter(slug=slug).first()
    if book is None:
        raise Http404(f"No runbook {slug!r}.")
    return redirect(reverse("admin:incidents_runbook_change", args=[book.pk]))
