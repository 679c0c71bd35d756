"""Raising an incident's escalation level: the only code that writes `Incident.escalation_level`.

The level is raised under the incident's row lock, so two overlapping escalation runs tell each
level once. The notifications are only queued as rows in that transaction; tasks send them after
commit, never while the lock is held."""

from django.db import transaction
from django.utils import timezone

from apps.incidents import notifications
from apps.incidents.models import Incident, Level, Notification, TimelineEntry
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
