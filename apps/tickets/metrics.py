"""Ticket metrics for the Error Center's alert rules (seeded: any SLA breach; average first
response above 20 minutes)."""

from django.db.models import Avg

from apps.events.metrics import register
from apps.tickets.models import Ticket
from apps.tickets.sla import TARGETS


@register("sla_breaches", "SLA breaches in window (all targets)", "breaches")
def sla_breaches(window, now, params):
    start = now - window
    return float(
        sum(
            Ticket.objects.filter(**{f"{target}_breached_at__gte": start, f"{target}_breached_at__lt": now}).count()
            for target in TARGETS
        )
    )


def _answered_in(window, now):
    return Ticket.objects.filter(
        first_response_at__gte=now - window, first_response_at__lt=now, first_response_minutes__isnull=False
    )


def answered_volume(window, now, params):
    return _answered_in(window, now).count()


@register(
    "avg_first_response_minutes",
    "Average first response of tickets answered in window",
    "minutes",
    volume=answered_volume,
)
def avg_first_response_minutes(window, now, params):
    """In SLA minutes (business hours where the policy says so, pauses excluded); None when no
    ticket got its first response in the window."""
    value = _answered_in(window, now).aggregate(avg=Avg("first_response_minutes"))["avg"]
    return None if value is None else round(value, 2)
