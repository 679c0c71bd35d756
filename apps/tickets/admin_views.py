"""The ticket console and the other custom admin pages of tickets. Staff-only (wrapped in
`admin_site.admin_view`); reading needs tickets.view_ticket, every form needs
tickets.change_ticket, and every form calls a service."""

from django import forms
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
from apps.events.models import SystemEvent
from apps.tickets import services, sla
from apps.tickets.forms import AgentReplyForm, PropertiesForm
from apps.tickets.models import Channel, Macro, Priority, Status, Ticket

VIEW, CHANGE = "tickets.view_ticket", "tickets.change_ticket"


def require(request, permission):
    if not request.user.has_perm(permission):
        raise PermissionDenied


def console_url(ticket_id):
    return reverse("admin:tickets_ticket_change", args=[ticket_id])


# --- the ticket page -------------------------------------------------------------------------


def console_view(request, model_admin, object_id):
    require(request, VIEW)
    if not str(object_id).isdigit():
        raise Http404("No such ticket.")
    ticket = get_object_or_404(
        Ticket.objects.select_related("tenant", "tenant__plan", "assignee", "incident", "sla_policy", "requester_user"),
        pk=object_id,
    )
    return TemplateResponse(
        request,
        "admin/tickets/ticket/console.html",
        {
            **model_admin.admin_site.each_context(request),
            "title": f"#{ticket.pk} {ticket.subject}",
            "opts": Ticket._meta,
            "ticket": ticket,
            "can_change": request.user.has_perm(CHANGE),
            "conversation": ticket.messages.select_related("author").order_by("created_at", "id"),
            "reply_form": AgentReplyForm(),
            "properties_form": PropertiesForm(initial=_properties(ticket)),
            "macros": Macro.objects.filter(is_active=True),
            "sla_rows": _sla_rows(ticket),
            "sla_summary": sla.summary(ticket),
            "tenant_context": _tenant_context(ticket.tenant),
            "correlated": _correlated(ticket),
            "linked_events": ticket.events.order_by("-occurred_at")[:100],
            "runs": _runs(ticket),
            "incidents": _open_incidents(ticket.tenant),
            "notifications": ticket.notifications.all()[:20],
            "manual": _manual_conversation(ticket),
        },
    )


def _manual_conversation(ticket):
    """The customer's WhatsApp/Telegram conversation when the ticket came from fallback manual mode:
    replies go to the customer, each with its delivery status."""
    from apps.fallback import services as fallback
    from apps.fallback.models import Conversation

    conversation = Conversation.objects.filter(ticket=ticket).select_related("notice", "connection").first()
    if conversation is None:
        return None
    return {"conversation": conversation, "replies": fallback.deliveries(ticket)}


def _properties(ticket):
    return {
        "status": ticket.status,
        "priority": ticket.priority,
        "assignee": ticket.assignee_id,
        "tags": ", ".join(ticket.tags.values_list("name", flat=True)),
    }


def _sla_rows(ticket):
    rows = []
    for target in sla.TARGETS:
        met = {"first_response": ticket.first_response_at, "resolution": ticket.solved_at}.get(target)
        rows.append(
            {
                "label": sla.TARGET_LABELS[target].capitalize(),
                "due": getattr(ticket, f"{target}_due_at"),
                "met": met,
                "breached": getattr(ticket, f"{target}_breached_at"),
            }
        )
    return rows


def _tenant_context(tenant):
    from apps.tenants.api import tenant_status
    from apps.tenants.views import meters

    status = tenant_status(tenant)
    last_event = SystemEvent.objects.for_tenant(tenant).order_by("-occurred_at").first()
    last_ticket = Ticket.objects.for_tenant(tenant).order_by("-last_activity_at").first()
    return {
        "status": status,
        "meters": meters(status),
        "plan": tenant.plan,
        "last_event": last_event,
        "last_ticket_activity": last_ticket.last_activity_at if last_ticket else None,
    }


def _correlated(ticket):
    linked = set(ticket.events.values_list("pk", flat=True))
    shared = services.correlation_ids(ticket)
    return [
        {
            "event": event,
            "linked": event.pk in linked,
            "title": getattr(event.catalog_entry, "title", ""),
            "same_correlation": event.correlation_id in shared,
        }
        for event in services.correlated_events(ticket)
    ]


def _runs(ticket):
    linked = list(ticket.automation_runs.select_related("bot").order_by("-created_at"))
    ids = {run.pk for run in linked}
    return {"linked": linked, "recent": [run for run in services.recent_automation_runs(ticket) if run.pk not in ids]}


def _open_incidents(tenant):
    from apps.incidents.models import Incident

    return Incident.objects.open().for_tenant(tenant).order_by("-detected_at")[:20]


# --- the console's forms ---------------------------------------------------------------------


@require_POST
def console_action(request, ticket_id, operation):
    require(request, CHANGE)
    ticket = get_object_or_404(Ticket.objects.select_related("tenant"), pk=ticket_id)
    return run_operation(request, ticket, OPERATIONS, operation, console_url(ticket.pk))


def _reply(request, ticket):
    data = _valid(AgentReplyForm(request.POST))
    if data["visibility"] == "internal":
        services.add_note(ticket, data["body"], actor=request.user)
        if data["status"]:
            services.change_status(ticket, data["status"], actor=request.user, request=request)
        return "Internal note added."
    services.reply(ticket, data["body"], actor=request.user, status=data["status"] or None)
    return "Reply sent to the requester."


def _update(request, ticket):
    data = _valid(PropertiesForm(request.POST))
    changed = []
    if data["status"] != ticket.status:
        services.change_status(ticket, data["status"], actor=request.user, request=request)
        changed.append("status")
    if data["priority"] != ticket.priority:
        services.set_priority(ticket, data["priority"], actor=request.user, request=request)
        changed.append("priority")
    if data["assignee"] != ticket.assignee:
        services.assign(ticket, data["assignee"], actor=request.user, request=request)
        changed.append("assignee")
    if sorted(data["tags"]) != sorted(ticket.tags.values_list("name", flat=True)):
        services.set_tags(ticket, data["tags"], actor=request.user)
        changed.append("tags")
    return f"Changed {', '.join(changed)}." if changed else "Nothing changed."


def _macro(request, ticket):
    macro = Macro.objects.filter(pk=request.POST.get("macro") or 0).first()
    if macro is None:
        raise ServiceError("Choose a macro.", "no_macro")
    services.apply_macro(ticket, macro, actor=request.user)
    return f"Macro {macro.name!r} applied."


def _link_event(request, ticket):
    events = SystemEvent.objects.filter(pk__in=request.POST.getlist("event"))
    count = services.link_events(ticket, events, actor=request.user, request=request)
    return f"Linked {count} event(s)."


def _link_runs(request, ticket):
    from apps.integrations.models import AutomationRun

    ids = [value for value in request.POST.getlist("run") if value.isdigit()]
    count = services.link_automation_runs(
        ticket, AutomationRun.objects.filter(pk__in=ids), actor=request.user, request=request
    )
    return f"Linked {count} automation run(s)."


def _link_incident(request, ticket):
    from apps.incidents.models import Incident
    from apps.incidents.services import link_ticket

    incident = Incident.objects.open().filter(pk=request.POST.get("incident") or 0).first()
    if incident is None:
        raise ServiceError("Choose an open incident.", "no_incident")
    link_ticket(incident, ticket, actor=request.user, request=request)
    return f"Linked to incident #{incident.pk}."


OPERATIONS = {
    "reply": _reply,
    "update": _update,
    "macro": _macro,
    "link-event": _link_event,
    "link-incident": _link_incident,
    "link-runs": _link_runs,
}


# --- opening a ticket for a tenant -----------------------------------------------------------


class AgentTicketForm(forms.Form):
    tenant = forms.ModelChoiceField(queryset=None)
    subject = forms.CharField(max_length=300)
    body = forms.CharField(label="The customer's request", widget=forms.Textarea(attrs={"rows": 6, "cols": 80}))
    priority = forms.ChoiceField(choices=Priority.choices, initial=Priority.NORMAL)
    channel = forms.ChoiceField(choices=Channel.choices, initial=Channel.EMAIL)
    requester_name = forms.CharField(max_length=200, required=False)
    requester_email = forms.EmailField(required=False)
    requester_phone = forms.CharField(max_length=40, required=False)

    def __init__(self, *args, **kwargs):
        from apps.tenants.models import Tenant

        super().__init__(*args, **kwargs)
        self.fields["tenant"].queryset = Tenant.objects.order_by("name")


def add_view(request, model_admin):
    require(request, "tickets.add_ticket")
    form = AgentTicketForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            ticket = services.create_ticket(data.pop("tenant"), **data)
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"Ticket #{ticket.pk} opened.")
            return redirect(console_url(ticket.pk))
    return TemplateResponse(
        request,
        "admin/tickets/ticket/add.html",
        {
            **model_admin.admin_site.each_context(request),
            "title": "Open a ticket for a tenant",
            "opts": Ticket._meta,
            "form": form,
        },
    )


# --- one reply to every ticket of an incident -----------------------------------------------


class IncidentReplyForm(forms.Form):
    body = forms.CharField(
        label="Reply",
        widget=forms.Textarea(attrs={"rows": 6, "cols": 80}),
        help_text="Sent as a public reply on every linked ticket that is not closed.",
    )
    status = forms.ChoiceField(
        required=False,
        label="Then set status",
        choices=[("", "By the rules (new and open tickets become pending)")] + list(Status.choices),
    )


def reply_to_incident_view(request, model_admin, incident_id):
    from apps.incidents.models import Incident

    require(request, CHANGE)
    incident = get_object_or_404(Incident, pk=incident_id)
    tickets = incident.tickets.exclude(status=Status.CLOSED).select_related("tenant").order_by("pk")
    form = IncidentReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = services.reply_to_incident_tickets(
            incident,
            form.cleaned_data["body"],
            actor=request.user,
            status=form.cleaned_data["status"] or None,
            request=request,
        )
        messages.success(request, f"Replied on {len(result['replied'])} ticket(s).")
        for pk, reason in result["refused"]:
            messages.error(request, f"#{pk}: {reason}")
        return redirect(reverse("admin:incidents_incident_change", args=[incident.pk]))
    return TemplateResponse(
        request,
        "admin/tickets/ticket/reply_to_incident.html",
        {
            **model_admin.admin_site.each_context(request),
            "title": f"Reply to every ticket of incident #{incident.pk}",
            "opts": Ticket._meta,
            "incident": incident,
            "tickets": tickets,
            "form": form,
        },
    )
