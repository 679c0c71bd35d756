"""The managers' summary, e-mailed on resolution to INCIDENT_SUMMARY_RECIPIENTS: the incident
report with the fields the postmortem holds (start, detection method and time, root cause,
resolution steps, duration, affected conversations, SLA breaches). The postmortem's text wins
where one is written; before that, the hypothesis and the operators' notes and switches."""

from django.conf import settings
from django.urls import reverse

from apps.comms.models import Delivery
from apps.comms.services import outbox_mail
from apps.comms.services.texts import utc
from apps.incidents.models import TimelineEntry
from apps.incidents.services.postmortem import default_detection

STEP_KINDS = (TimelineEntry.Kind.NOTE, TimelineEntry.Kind.SWITCH)
MAX_STEPS = 30


def recipients() -> list[str]:
    return sorted({address.strip().lower() for address in settings.INCIDENT_SUMMARY_RECIPIENTS if address.strip()})


def queue(announcement, note, now) -> int | None:
    """The summary's deliveries (None when no list is configured, so the timeline says so)."""
    to = recipients()
    if not to:
        return None
    subject, body = email(announcement.incident, note, now)
    rows = [
        Delivery(
            audience=Delivery.Audience.SUMMARY,
            announcement=announcement,
            recipient=address,
            subject=subject,
            body=body,
            created_at=now,
        )
        for address in to
    ]
    return outbox_mail.queue_many(rows)


def describe(queued) -> str:
    if queued is None:
        return "no internal summary (INCIDENT_SUMMARY_RECIPIENTS is empty)"
    return f"internal summary to {queued} manager(s)"


def report(incident, note="", now=None) -> list[tuple[str, str]]:
    """(label, value) for every field of the report, in the postmortem's order."""
    postmortem = incident.postmortem if incident.has_postmortem else None
    minutes = int(incident.duration(now).total_seconds() // 60)
    return [
        ("Incident", f"#{incident.pk} [{incident.severity}] {incident.title}"),
        ("Started", utc(incident.began_at)),
        ("Detection", postmortem.detection if postmortem else default_detection(incident)),
        ("Resolved", utc(incident.resolved_at)),
        ("Duration", f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"),
        ("Root cause", _root_cause(incident, postmortem)),
        ("Resolution steps", postmortem.resolution_steps if postmortem else _steps(incident, note)),
        ("Affected conversations", str(incident.affected_conversations)),
        ("SLA breaches", str(incident.sla_breaches)),
        ("Affected tenants", _tenants(incident)),
        ("Impact", incident.impact or "-"),
    ]


def _root_cause(incident, postmortem):
    if postmortem:
        return postmortem.root_cause
    if incident.root_cause_hypothesis:
        return f"{incident.root_cause_hypothesis} (hypothesis: no postmortem yet)"
    return "Not known yet: no postmortem and no hypothesis written."


def _steps(incident, note):
    entries = incident.timeline.filter(kind__in=STEP_KINDS).order_by("at", "id")[:MAX_STEPS]
    lines = [f"- {entry.at:%H:%M} UTC {entry.text}" for entry in entries]
    lines += [f"- On resolution: {note.strip()}"] if note and note.strip() else []
    return "\n".join(lines) or "None recorded: no notes, switches or resolution note on the timeline."


def _tenants(incident):
    names = list(incident.affected_tenants.order_by("name").values_list("name", flat=True)[:21])
    more = " and more" if len(names) > 20 else ""
    return (", ".join(names[:20]) + more) if names else "none (platform-wide)"


def email(incident, note, now) -> tuple[str, str]:
    subject = f"[Incident summary] #{incident.pk} resolved: {incident.title}"[:300]
    fields = "\n".join(_field(label, value) for label, value in report(incident, note, now))
    url = settings.SITE_URL + reverse("admin:incidents_incident_change", args=[incident.pk])
    return subject, f"Incident #{incident.pk} is resolved. The report:\n\n{fields}\n\nOpen the incident: {url}\n"


def _field(label, value):
    value = str(value or "-")
    return f"{label}:\n  " + value.replace("\n", "\n  ") if "\n" in value else f"{label}: {value}"
