"""Raising an incident's escalation level (the only code that writes `Incident.escalation_level`)
and firing its escalation rules (the only code that writes `EscalationRuleFiring`).

Both act under the incident's row lock, so two overlapping escalation runs tell each level, and
each rule's role, once. The notifications are only queued as rows in that transaction; tasks send
them after commit, never while the lock is held."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.incidents import escalation_rules, notifications
from apps.incidents.models import EscalationRuleFiring, Incident, Level, Notification, Role, TimelineEntry
from apps.incidents.services.timeline import add_timeline_entry


def raise_level(incident, level, reason, why_text, *, now=None) -> list[Notification]:
    """Queues notifications for every level above the one already told, up to `level`; returns the
    rows. Nothing happens when the incident is closed or already at `level`."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Incident.objects.select_for_update().get(pk=incident.pk)
        if locked.escalation_level >= level or not locked.is_open:
            return []
        rows = [
            row
            for target in range(locked.escalation_level + 1, level + 1)
            for row in notifications.queue_for_level(locked, target, reason, why=why_text, now=now)
        ]
        if reason == Notification.Reason.ESCALATED:
            add_timeline_entry(
                locked,
                TimelineEntry.Kind.SYSTEM,
                f"Escalated to {Level(level).label}: {why_text}",
                at=now,
                data={"from": locked.escalation_level, "to": level},
            )
        Incident.objects.filter(pk=locked.pk).update(escalation_level=level)
    incident.escalation_level = level
    return rows


def fire_due_rules(incident, rules, now) -> list[Notification]:
    """Fires each of `rules` due for the incident at `now` that has not fired for it yet."""
    fired = set(incident.rule_firings.values_list("rule_id", flat=True))
    due = escalation_rules.due(incident, rules, fired, now)
    return [row for rule, why_text in due for row in fire_rule(incident, rule, why_text, now=now)]


def fire_rule(incident, rule, why_text, *, now=None) -> list[Notification]:
    """Tells the rule's role about the incident once: records the firing, queues a notification for
    everyone holding the role (a failed row when nobody does) and writes the timeline. Returns the
    rows; nothing happens when the rule already fired, no longer applies or the incident is over."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Incident.objects.select_for_update().get(pk=incident.pk)
        if not (locked.is_open and rule.applies_to(locked)) or not _record_firing(locked, rule, why_text, now):
            return []
        rows = notifications.queue_for_role(locked, rule, why=why_text, now=now)
        add_timeline_entry(
            locked,
            TimelineEntry.Kind.NOTIFICATION,
            _told_text(rule, why_text, rows),
            at=now,
            data={"rule": rule.pk, "role": rule.role, "notifications": [row.pk for row in rows]},
        )
    return rows


def _record_firing(incident, rule, why_text, now) -> bool:
    """False when the rule already fired for the incident (the unique constraint backs the lock)."""
    if EscalationRuleFiring.objects.filter(incident=incident, rule=rule).exists():
        return False
    try:
        with transaction.atomic():
            EscalationRuleFiring.objects.create(incident=incident, rule=rule, fired_at=now, why=why_text)
    except IntegrityError:
        return False
    return True


def _told_text(rule, why_text, rows):
    label = Role(rule.role).label
    if rows[0].status == Notification.State.FAILED:
        return f"{label} not told ({why_text}): {rows[0].error}"
    return f'{label} told: {why_text} ({len(rows)} notification(s) queued, rule "{rule.name}")'
