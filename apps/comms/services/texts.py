"""What the comms e-mails and notices say. Subscribers read only what the status page shows (the
public impact and status labels, the public update, times in UTC); tenants read their editable
templates (`templates`); the managers' summary is the incident report (`summary`)."""

from django.conf import settings
from django.urls import reverse

from apps.comms.models import Kind
from apps.comms.services.outbox_mail import UNSUBSCRIBE_LINK

STAMP = "%Y-%m-%d %H:%M"


def utc(moment) -> str:
    return f"{moment:{STAMP}} UTC" if moment else ""


def status_page_url() -> str:
    return settings.SITE_URL + reverse("health:status")


def notices_url() -> str:
    return settings.SITE_URL + reverse("notices:list")


def subscriber_email(announcement) -> tuple[str, str]:
    """The subject and body every subscriber gets for a public update or a resolution; the
    unsubscribe link goes in per subscriber at send time."""
    incident = announcement.incident
    if announcement.kind == Kind.RESOLVED:
        subject = f"Resolved: {announcement.impact}"
        lines = [
            f"Resolved: {announcement.impact}",
            f"Started {utc(incident.began_at)}, resolved {utc(incident.resolved_at or announcement.occurred_at)}.",
        ]
        lines += [f"\nLast update: {announcement.public_update}"] if announcement.public_update else []
    else:
        subject = f"{announcement.impact}: update ({announcement.status_label})"
        lines = [
            f"{announcement.impact} — {announcement.status_label}",
            f"Started {utc(incident.began_at)}. Update posted {utc(announcement.occurred_at)}.",
            "",
            announcement.public_update,
        ]
    return subject[:300], "\n".join(lines) + _subscriber_footer()


def _subscriber_footer() -> str:
    return (
        f"\n\nCurrent status: {status_page_url()}\n\n"
        "You get this because you subscribed to the status page.\n"
        f"Unsubscribe (one click): {UNSUBSCRIBE_LINK}\n"
    )


def placeholder_values(announcement, tenant) -> dict:
    """What a tenant template's placeholders stand for (apps.comms.placeholders.ALLOWED)."""
    incident = announcement.incident
    return {
        "incident_title": incident.title,
        "impact": announcement.impact,
        "status": announcement.status_label,
        "public_update": announcement.public_update,
        "started_at": utc(incident.began_at),
        "resolved_at": utc(incident.resolved_at) if announcement.kind == Kind.RESOLVED else "",
        "tenant_name": tenant.name,
        "notices_url": notices_url(),
    }
