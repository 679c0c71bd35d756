"""Tickets are made through the service, as production makes them."""

from datetime import UTC, datetime

from apps.tickets import services
from apps.tickets.models import Macro

# A Monday, 10:00 in Berlin (09:00 UTC) — inside the default business hours.
MONDAY_10_BERLIN = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def make_ticket(
    tenant,
    *,
    subject="Messages are not arriving",
    body="Since this morning nothing arrives.",
    priority="normal",
    requester=None,
    now=None,
    **kwargs,
):
    if requester is None and not any(kwargs.get(f) for f in ("requester_name", "requester_email", "requester_phone")):
        kwargs["requester_email"] = "guest@example.test"
        kwargs.setdefault("requester_name", "Guest Contact")
    return services.create_ticket(
        tenant, subject=subject, body=body, priority=priority, requester=requester, now=now, **kwargs
    )


def make_macro(**kwargs):
    defaults = {
        "name": "Looking into it",
        "body": "Hi {requester_name}, we are on ticket {ticket_id} for {tenant_name}.",
    }
    return Macro.objects.create(**{**defaults, **kwargs})
