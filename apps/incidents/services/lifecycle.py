"""An incident's status, owner, severity and notes. `TRANSITIONS` is the one place that says which
status may follow which; `change_status` stamps the times and writes the timeline and audit."""

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.core.errors import ServiceError
from apps.events import audit
from apps.incidents import escalation_rules, signals
from apps.incidents.models import Incident, Severity, Status, TimelineEntry
from apps.incidents.services import checklists, evidence
from apps.incidents.services.detection import attach
from apps.incidents.services.escalation import fire_due_rules
from apps.incidents.services.timeline import add_timeline_entry
from apps.incidents.signals import send_on_commit
from apps.tickets import services as tickets

Kind = TimelineEntry.Kind
TRANSITIONS = {
    Status.DETECTED: (Status.TRIAGED, Status.MITIGATING, Status.RESOLVED),
    Status.TRIAGED: (Status.MITIGATING, Status.RESOLVED),
    Status.MITIGATING: (Status.TRIAGED, Status.RESOLVED),
    Status.RESOLVED: (Status.CLOSED, Status.TRIAGED),
    Status.CLOSED: (),
}
DETAIL_FIELDS = ("title", "root_cause_hypothesis", "impact", "public_update", "affected_conversations", "sla_breaches")


def locked(incident) -> Incident:
    return Incident.objects.select_for_update().get(pk=incident.pk)


def check_transition(incident, status, *, override_reason="") -> list[str]:
    """Refuses a move the lifecycle does not allow, a close that lacks its postmortem, or a sev1/sev2
    resolve (close) before its restore (post-outage) checklist is done unless `override_reason` says
    why. Returns the checklist items the reason overrides ([] when none)."""
    if status not in Status.values:
        raise ServiceError(f"Unknown status {status!r}; use one of {', '.join(Status.values)}.", "invalid_status")
    allowed = TRANSITIONS[incident.status]
    if status not in allowed:
        choices = ", ".join(allowed) or "nothing (closed incidents stay closed)"
        raise ServiceError(
            f"An incident that is {incident.status} cannot become {status}; it can become {choices}.",
            "invalid_transition",
        )
    if status == Status.CLOSED and incident.needs_postmortem and not incident.has_postmortem:
        raise ServiceError(
            f"A {incident.severity} incident cannot be closed without a postmortem: write the "
            "postmortem (root cause, resolution steps, preventive actions) first.",
            "postmortem_required",
        )
    blocking = checklists.blocking_items(incident, status)
    if blocking and not override_reason.strip():
        raise checklists.refusal(incident, status, blocking)
    return blocking


def change_status(incident, status, *, actor, note="", now=None, request=None, override_reason="") -> Incident:
    """`override_reason`: why a sev1/sev2 may resolve or close before its checklist is done (audited)."""
    now = now or timezone.now()
    with transaction.atomic():
        incident = locked(incident)
        overridden = check_transition(incident, status, override_reason=override_reason)
        if overridden:
            checklists.record_override(
                incident, status, overridden, actor=actor, reason=override_reason.strip(), now=now, request=request
            )
        before = incident.status
        _stamp(incident, status, now)
        _save_status(incident)
        text = f"Status {before} → {status}" + (f": {note.strip()}" if note and note.strip() else "")
        add_timeline_entry(incident, Kind.STATUS, text, author=actor, at=now, data={"from": before, "to": status})
        if status == Status.RESOLVED:
            _record_recovery_evidence(incident, actor, now)
            send_on_commit(signals.incident_resolved, incident, now, note=note or "")
        audit.record(
            "incident.status_changed",
            actor=actor,
            target=incident,
            request=request,
            before={"status": before},
            after={"status": status},
            reason=note or "",
        )
    return incident


def _stamp(incident, status, now):
    incident.status = status
    if status != Status.CLOSED and status != Status.DETECTED:
        incident.acknowledged_at = incident.acknowledged_at or now
    if status == Status.MITIGATING:
        incident.mitigated_at = incident.mitigated_at or now
    if status == Status.RESOLVED:
        incident.resolved_at = now
        incident.sla_breaches = max(incident.sla_breaches, evidence.sla_breaches_of_linked_tickets(incident))
        incident.affected_conversations = max(
            incident.affected_conversations, evidence.conversations_during(incident, now)
        )
    if status == Status.TRIAGED:
        incident.resolved_at = None
    if status == Status.CLOSED:
        incident.closed_at = now


def _save_status(incident):
    """Reopening can collide with a newer open incident of the same dedup key."""
    try:
        with transaction.atomic():
            incident.save()
    except IntegrityError:
        raise ServiceError(
            f"Another open incident already covers {incident.dedup_key!r}; work on that one instead of reopening this.",
            "duplicate_open_incident",
        ) from None


def _record_recovery_evidence(incident, actor, now):
    result = evidence.judge(incident, now)
    add_timeline_entry(incident, Kind.RECOVERY, result["summary"], author=actor, at=now, data=result)


def acknowledge(incident, *, actor, now=None, request=None) -> Incident:
    """The on-call engineer has seen it: stops the acknowledgement escalation and takes ownership
    when nobody owns it yet."""
    now = now or timezone.now()
    with transaction.atomic():
        incident = locked(incident)
        if incident.acknowledged_at is not None:
            raise ServiceError(
                f"Already acknowledged at {incident.acknowledged_at:%Y-%m-%d %H:%M} UTC.", "already_acknowledged"
            )
        incident.acknowledged_at = now
        incident.owner = incident.owner or _staff(actor)
        incident.save(update_fields=["acknowledged_at", "owner"])
        minutes = round((now - incident.detected_at).total_seconds() / 60, 1)
        add_timeline_entry(
            incident,
            Kind.OWNER,
            f"Acknowledged by {_name(actor)} after {minutes} min",
            author=actor,
            at=now,
            data={"minutes": minutes},
        )
        audit.record("incident.acknowledged", actor=actor, target=incident, request=request)
    return incident


def assign_owner(incident, owner, *, actor, now=None, request=None) -> Incident:
    if owner is not None and not (owner.is_staff and owner.is_active):
        raise ServiceError(f"{owner.get_username()} is not active staff; only staff own incidents.", "invalid_owner")
    with transaction.atomic():
        incident = locked(incident)
        before = incident.owner
        if before == owner:
            raise ServiceError("That is already the owner.", "unchanged")
        incident.owner = owner
        incident.save(update_fields=["owner"])
        add_timeline_entry(
            incident,
            Kind.OWNER,
            f"Owner {_name(before)} → {_name(owner)}",
            author=actor,
            at=now,
            data={"from": _name(before), "to": _name(owner)},
        )
        audit.record(
            "incident.owner_changed",
            actor=actor,
            target=incident,
            request=request,
            before={"owner": _name(before)},
            after={"owner": _name(owner)},
        )
    return incident


def change_severity(incident, severity, *, actor, reason="", now=None, request=None) -> Incident:
    """A new severity can make escalation rules due at once (a sev3 raised to sev1 tells the
    engineering manager): they fire here, not at the escalation job's next pass. Their notifications
    are rows in this transaction, sent by tasks after commit."""
    now = now or timezone.now()
    if severity not in Severity.values:
        raise ServiceError(
            f"Unknown severity {severity!r}; use one of {', '.join(Severity.values)}.", "invalid_severity"
        )
    with transaction.atomic():
        incident = locked(incident)
        before = incident.severity
        if before == severity:
            raise ServiceError(f"The incident is already {severity}.", "unchanged")
        incident.severity = severity
        incident.save(update_fields=["severity"])
        text = f"Severity {before} → {severity}" + (f": {reason.strip()}" if reason.strip() else "")
        add_timeline_entry(incident, Kind.SEVERITY, text, author=actor, at=now, data={"from": before, "to": severity})
        audit.record(
            "incident.severity_changed",
            actor=actor,
            target=incident,
            request=request,
            before={"severity": before},
            after={"severity": severity},
            reason=reason,
        )
        fire_due_rules(incident, escalation_rules.active_rules(), now)
    return incident


def add_note(incident, text, *, actor, now=None):
    if not (text or "").strip():
        raise ServiceError("Write the note first: it is empty.", "empty_note")
    return add_timeline_entry(incident, Kind.NOTE, text, author=actor, at=now)


def update_details(incident, *, actor, request=None, **changes) -> Incident:
    """Title, hypothesis, impact, the status page's public update and the impact counts."""
    unknown = set(changes) - set(DETAIL_FIELDS)
    if unknown:
        raise ServiceError(f"Cannot change {', '.join(sorted(unknown))} here.", "invalid_field")
    with transaction.atomic():
        incident = locked(incident)
        changed = {name: value for name, value in changes.items() if getattr(incident, name) != value}
        if not changed:
            raise ServiceError("Nothing changed.", "unchanged")
        if "title" in changed and not str(changed["title"]).strip():
            raise ServiceError("The title cannot be empty.", "empty_title")
        before = {name: getattr(incident, name) for name in changed}
        for name, value in changed.items():
            setattr(incident, name, value)
        incident.save(update_fields=list(changed))
        if "public_update" in changed:
            send_on_commit(signals.public_update_changed, incident, timezone.now(), previous=before["public_update"])
        add_timeline_entry(
            incident,
            Kind.SYSTEM,
            f"Details changed: {', '.join(sorted(changed))}",
            author=actor,
            data={"changed": changed},
        )
        audit.record(
            "incident.details_changed", actor=actor, target=incident, request=request, before=before, after=changed
        )
    return incident


def link_ticket(incident, ticket, *, actor, request=None):
    """The one way to link a ticket and an incident: the ticket records it, its tenant becomes affected."""
    with transaction.atomic():
        ticket = tickets.record_incident(ticket, incident, actor=actor, request=request)
        attach(incident, tenant_ids=[ticket.tenant_id])
        add_timeline_entry(
            incident,
            Kind.SYSTEM,
            f"Ticket #{ticket.pk} ({ticket.tenant.name}) linked",
            author=actor,
            data={"ticket": ticket.pk},
        )
    return ticket


def link_automation_run(incident, run, *, actor, request=None):
    """An operator links an n8n run to the incident (the tenant joins the affected ones)."""
    with transaction.atomic():
        if incident.automation_runs.filter(pk=run.pk).exists():
            raise ServiceError(
                f"Automation run {run.pk} is already linked to incident #{incident.pk}.", "already_linked"
            )
        incident.automation_runs.add(run)
        incident.affected_tenants.add(run.tenant_id)
        add_timeline_entry(
            incident,
            Kind.SYSTEM,
            f"Automation run {run.pk} ({run.tenant.name}, {run.status}) linked",
            author=actor,
            data={"automation_run": run.pk},
        )
        audit.record(
            "incident.automation_run_linked",
            actor=actor,
            target=incident,
            request=request,
            after={"automation_run": run.pk, "tenant": run.tenant.slug},
        )
    return run


def _staff(user):
    return user if user is not None and getattr(user, "is_staff", False) and getattr(user, "pk", None) else None


def _name(user):
    if user is None:
        return "nobody"
    return user.get_username() if isinstance(user, get_user_model()) else str(user)
