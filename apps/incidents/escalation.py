"""Escalation: level 1 hears of every new incident; the beat job (every minute) tells the next
levels when their policy says so. `Incident.escalation_level` remembers the highest level told,
raised under a row lock, so two overlapping runs notify each level once."""
from django.db import transaction
from django.utils import timezone

from apps.incidents import notifications
from apps.incidents.models import EscalationPolicy, Incident, Level, Notification, TimelineEntry
from apps.incidents.services.timeline import add_timeline_entry

Reason = Notification.Reason


def policy_for(severity) -> EscalationPolicy | None:
    return EscalationPolicy.objects.filter(severity=severity).first()


def notify_new(incident, now=None) -> list[Notification]:
    """Tells level 1 about a new incident, when its severity's policy says to."""
    policy = policy_for(incident.severity)
    if policy is None or not policy.notify_on_open:
        return []
    return raise_to(incident, Level.ON_CALL, Reason.OPENED, "a new incident was opened.", now=now)


def escalate_due(now=None) -> dict:
    """One pass over the open incidents: tells every level that is now due."""
    now = now or timezone.now()
    result = {"checked": 0, "escalated": 0, "notifications": 0}
    policies = {policy.severity: policy for policy in EscalationPolicy.objects.all()}
    for incident in Incident.objects.open().filter(escalation_level__lt=Level.INFRASTRUCTURE):
        result["checked"] += 1
        policy = policies.get(incident.severity)
        due = policy.due_level(incident, now) if policy else 0
        if due > incident.escalation_level:
            sent = raise_to(incident, due, Reason.ESCALATED, why(policy, incident, due, now), now=now)
            result["escalated"] += 1 if sent else 0
            result["notifications"] += len(sent)
    return result


def why(policy, incident, level, now) -> str:
    minutes = int((now - incident.detected_at).total_seconds() // 60)
    if incident.acknowledged_at is None and now >= policy.acknowledge_by(incident):
        return (f"not acknowledged within {policy.acknowledge_within_minutes} min "
                f"(open {minutes} min), escalated to level {level}.")
    return f"still unresolved after {minutes} min, escalated to level {level}."


def raise_to(incident, level, reason, why_text, *, now=None) -> list[Notification]:
    """Notifies every level above the one already told, up to `level`."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Incident.objects.select_for_update().get(pk=incident.pk)
        if locked.escalation_level >= level or not locked.is_open:
            return []
        rows = []
        for target in range(locked.escalation_level + 1, level + 1):
            rows += notifications.queue_for_level(locked, target, reason, why=why_text, now=now)
        if reason == Reason.ESCALATED:
            add_timeline_entry(locked, TimelineEntry.Kind.SYSTEM, f"Escalated to {Level(level).label}: {why_text}",
                               at=now, data={"from": locked.escalation_level, "to": level})
        locked.escalation_level = level
        locked.save(update_fields=["escalation_level"])
    incident.escalation_level = level
    return rows
