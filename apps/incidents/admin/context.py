"""Everything the incident console shows, read in one place (no writes)."""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from apps.events import event_links
from apps.incidents import escalation, notifications, runbooks
from apps.incidents.admin import forms as f
from apps.incidents.models import BanFlow
from apps.incidents.services import checks, evidence
from apps.tenants.models import SystemSettings

LINKED_EVENTS_SHOWN = 100


def _with_ban_flows(tenants) -> list:
    """The tenants, each with `ban_flow`: its WhatsApp ban flow under way (the cooldown's end), or None."""
    tenants = list(tenants)
    flows = {flow.tenant_id: flow for flow in BanFlow.objects.filter(tenant__in=tenants, step__in=BanFlow.OPEN_STEPS)}
    for tenant in tenants:
        tenant.ban_flow = flows.get(tenant.pk)
    return tenants


def console_context(incident, now=None) -> dict:
    now = now or timezone.now()
    return {
        "now": now,
        "duration_minutes": int(incident.duration(now).total_seconds() // 60),
        "postmortem_overdue": incident.postmortem_overdue(now),
        "postmortem": incident.postmortem if incident.has_postmortem else None,
        "policy": escalation.policy_for(incident.severity),
        "evidence": evidence.judge(incident, now),
        "timeline": incident.timeline.select_related("author").order_by("at", "id"),
        "tenants": _with_ban_flows(incident.tenants_concerned().select_related("plan").order_by("name")),
        "affected_tenants": incident.affected_tenants.order_by("name"),
        "global_switches": SystemSettings.load(),
        "linked_events": _linked_events(incident),
        "events_url": reverse("admin:events_systemevent_changelist") + f"?incident__id__exact={incident.pk}",
        "tickets": incident.tickets.select_related("tenant", "assignee").order_by("pk"),
        "automation_runs": incident.automation_runs.select_related("tenant", "bot").order_by("pk"),
        "runbooks": runbooks.for_incident(incident),
        "check_results": checks.latest_results(incident),
        "follow_ups": incident.follow_ups.select_related("assignee"),
        "notifications": incident.notifications.all()[:50],
        **_rule_firings(incident),
        "slack_configured": bool(settings.SLACK_WEBHOOK_URL),
        **_forms(incident),
    }


def _rule_firings(incident):
    """The escalation rules that fired, and which of them found nobody in their role."""
    gaps = incident.notifications.filter(rule__isnull=False, recipient=notifications.NOBODY_IN_ROLE)
    return {
        "rule_firings": incident.rule_firings.select_related("rule"),
        "rule_gaps": set(gaps.values_list("rule_id", flat=True)),
    }


def _linked_events(incident):
    """The newest linked events, each with what it carries besides this incident (run, tickets, inbound)."""
    events = event_links.linked_events(incident.events.select_related("tenant")).order_by("-occurred_at")
    return [
        (event, [link for link in event_links.links(event) if link[0] != "Incident"])
        for event in events[:LINKED_EVENTS_SHOWN]
    ]


def _forms(incident):
    postmortem = incident.postmortem if incident.has_postmortem else None
    return {
        "note_form": f.NoteForm(),
        "status_form": f.StatusForm(initial={"status": incident.status}),
        "owner_form": f.OwnerForm(initial={"owner": incident.owner_id}),
        "severity_form": f.SeverityForm(initial={"severity": incident.severity}),
        "details_form": f.DetailsForm(initial={name: getattr(incident, name) for name in f.DetailsForm.base_fields}),
        "follow_up_form": f.FollowUpForm(),
        "link_ticket_form": f.LinkTicketForm(),
        "link_run_form": f.LinkAutomationRunForm(),
        "postmortem_form": f.PostmortemForm(
            initial={name: getattr(postmortem, name) for name in f.PostmortemForm.base_fields} if postmortem else None
        ),
        "tenant_switch_choices": f.TenantSwitchForm.base_fields["action"].choices,
        "global_switch_form": f.GlobalSwitchForm(),
    }
