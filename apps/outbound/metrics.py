"""Outbound metrics for the Error Center's alert rules (seeded: delivery failure above 5 % warns,
above 10 % is critical)."""

from django.db.models import Count, Q

from apps.events.metrics import register
from apps.outbound.models import OutboundMessage, Status


def _outcomes(window, now, params):
    """Messages that reached an outcome (sent or failed) in the window; `tenant` (a slug) narrows."""
    start = now - window
    rows = OutboundMessage.objects.filter(
        Q(sent_at__gte=start, sent_at__lt=now) | Q(failed_at__gte=start, failed_at__lt=now)
    )
    if params.get("tenant"):
        rows = rows.filter(tenant__slug=params["tenant"])
    return rows.aggregate(total=Count("id"), failed=Count("id", filter=Q(status=Status.FAILED)))


def delivery_volume(window, now, params):
    return _outcomes(window, now, params)["total"]


@register(
    "message_delivery_failure_rate", "Percent of outbound messages that failed in window", "%", volume=delivery_volume
)
def message_delivery_failure_rate(window, now, params):
    """Failed among messages that reached an outcome in the window; None without any."""
    counts = _outcomes(window, now, params)
    if not counts["total"]:
        return None
    return round(100.0 * counts["failed"] / counts["total"], 2)
