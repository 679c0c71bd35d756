"""Escalation: level 1 hears of every new incident; the beat job (every minute) tells the next
levels when their policy says so, and the roles of every escalation rule that came due
(`escalation_rules`). This module decides who is due; the level is raised (and the notifications
queued) by `services.escalation.raise_level`, a rule fired by `services.escalation.fire_rule`."""

from django.utils import timezone

from apps.incidents import escalation_rules
from apps.incidents.models import EscalationPolicy, Incident, Level, Notification
from apps.incidents.services.escalation import fire_due_rules, raise_level

Reason = Notification.Reason


def policy_for(severity) -> EscalationPolicy | None:
    return EscalationPolicy.objects.filter(severity=severity).first()


def notify_new(incident, now=None) -> list[Notification]:
    """Tells level 1 about a new incident, when its severity's policy says to, and the roles of the
    escalation rules due at once (the engineering manager of a sev1)."""
    now = now or timezone.now()
    policy = policy_for(incident.severity)
    rows = []
    if policy is not None and policy.notify_on_open:
        rows = raise_level(incident, Level.ON_CALL, Reason.OPENED, "a new incident was opened.", now=now)
    return rows + fire_due_rules(incident, escalation_rules.active_rules(), now)


def escalate_due(now=None) -> dict:
    """One pass over the open incidents: tells every level, and every rule's role, now due."""
    now = now or timezone.now()
    result = {**_escalate_levels(now), **_fire_rules(now)}
    result["notifications"] += result.pop("rule_notifications")
    return result


def _fire_rules(now) -> dict:
    rules = escalation_rules.active_rules()
    sent = [fire_due_rules(incident, rules, now) for incident in Incident.objects.open()] if rules else []
    return {
        "rules_fired": len({(row.incident_id, row.rule_id) for rows in sent for row in rows}),
        "rule_notifications": sum(map(len, sent)),
    }


def _escalate_levels(now) -> dict:
    result = {"checked": 0, "escalated": 0, "notifications": 0}
    policies = {policy.severity: policy for policy in EscalationPolicy.objects.all()}
    for incident in Incident.objects.open().filter(escalation_level__lt=Level.INFRASTRUCTURE):
        result["checked"] += 1
        policy = policies.get(incident.severity)
        due = policy.due_level(incident, now) if policy else 0
        if due > incident.escalation_level:
            sent = raise_level(incident, due, Reason.ESCALATED, why(policy, incident, due, now), now=now)
            result["escalated"] += 1 if sent else 0
            result["notifications"] += len(sent)
    return result


def why(policy, incident, level, now) -> str:
    minutes = int((now - incident.detected_at).total_seconds() // 60)
    if incident.acknowledged_at is None and now >= policy.acknowledge_by(incident):
        return (
            f"not acknowledged within {policy.acknowledge_within_minutes} min "
            f"(open {minutes} min), escalated to level {level}."
        )
    return f"still unresolved after {minutes} min, escalated to level {level}."
