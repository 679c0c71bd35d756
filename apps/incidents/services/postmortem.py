"""The postmortem (written once the incident is resolved, due within 24 hours, required to close a
sev1 or sev2) and the follow-up tasks it produces."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from apps.core.errors import ServiceError
from apps.events import audit
from apps.incidents.models import FollowUp, Incident, Postmortem, Status, TimelineEntry
from apps.incidents.services.timeline import add_timeline_entry, snapshot

Kind = TimelineEntry.Kind
REQUIRED = {
    "root_cause": "root cause",
    "resolution_steps": "resolution steps",
    "preventive_actions": "preventive actions",
}


def write_postmortem(
    incident, *, actor, root_cause, resolution_steps, preventive_actions, detection="", now=None, request=None
) -> Postmortem:
    """Writes (or rewrites) the postmortem, snapshotting the timeline and the duration."""
    now = now or timezone.now()
    texts = {"root_cause": root_cause, "resolution_steps": resolution_steps, "preventive_actions": preventive_actions}
    missing = [label for name, label in REQUIRED.items() if not (texts[name] or "").strip()]
    if missing:
        raise ServiceError(f"The postmortem needs {', '.join(missing)}.", "postmortem_incomplete")
    with transaction.atomic():
        incident = Incident.objects.select_for_update().get(pk=incident.pk)
        if incident.status not in (Status.RESOLVED, Status.CLOSED):
            raise ServiceError(
                "Write the postmortem once the incident is resolved: the duration and the timeline are not final yet.",
                "not_resolved",
            )
        values = {
            **{name: text.strip() for name, text in texts.items()},
            "detection": (detection or "").strip() or default_detection(incident),
            "timeline_snapshot": snapshot(incident),
            "author": _user(actor),
            "updated_at": now,
            "duration_minutes": int(incident.duration(now).total_seconds() // 60),
        }
        postmortem, created = Postmortem.objects.update_or_create(
            incident=incident, defaults=values, create_defaults={**values, "written_at": now}
        )
        add_timeline_entry(
            incident,
            Kind.SYSTEM,
            "Postmortem written" if created else "Postmortem updated",
            author=actor,
            at=now,
            data={"late": _late(incident, now)},
        )
        audit.record(
            "incident.postmortem_written", actor=actor, target=incident, request=request, after={"created": created}
        )
    return postmortem


def _late(incident, now):
    due = incident.postmortem_due_at
    return bool(due and now > due)


def default_detection(incident) -> str:
    text = f"{incident.get_detection_method_display()} at {incident.detected_at:%Y-%m-%d %H:%M} UTC"
    if incident.time_to_acknowledge is not None:
        text += f"; acknowledged after {round(incident.time_to_acknowledge.total_seconds() / 60, 1)} min"
    return text


def add_follow_up(incident, *, actor, title, assignee=None, due_on=None, now=None) -> FollowUp:
    title = (title or "").strip()
    if not title:
        raise ServiceError("A follow-up needs a title.", "empty_title")
    if assignee is not None and not assignee.is_staff:
        raise ServiceError(f"{assignee.get_username()} is not staff; follow-ups go to staff.", "invalid_assignee")
    with transaction.atomic():
        follow_up = FollowUp.objects.create(incident=incident, title=title[:300], assignee=assignee, due_on=due_on)
        who = assignee.get_username() if assignee else "nobody yet"
        add_timeline_entry(
            incident,
            Kind.SYSTEM,
            f"Follow-up added: {title} (assignee {who}, due {due_on or '-'})",
            author=actor,
            at=now,
            data={"follow_up": follow_up.pk},
        )
    return follow_up


def complete_follow_up(follow_up, *, actor, now=None) -> FollowUp:
    now = now or timezone.now()
    with transaction.atomic():
        follow_up = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
        if follow_up.done:
            raise ServiceError("That follow-up is already done.", "already_done")
        follow_up.done, follow_up.done_at = True, now
        follow_up.save(update_fields=["done", "done_at"])
        add_timeline_entry(
            follow_up.incident,
            Kind.SYSTEM,
            f"Follow-up done: {follow_up.title}",
            author=actor,
            at=now,
            data={"follow_up": follow_up.pk},
        )
    return follow_up


def _user(actor):
    return actor if isinstance(actor, get_user_model()) and actor.pk else None
