"""Outbound metrics for the Error Center's alert rules (seeded: delivery failure above 5 % warns,
above 10 % is critical)."""
from django.db.models import Count, Q

from apps.events.metrics import register
from apps.outbound.models import OutboundMessage, Status


@register("message_delivery_failure_rate", "Percent of outbound messages that failed in window", "%")
def message_delivery_failure_rate(window, now, params):
    """Failed among messages that reached an outcome (sent or failed) in the window; None without any."""
    start = now - window
    counts = OutboundMessage.objects.filter(Q(sent_at__gte=start, sent_at__lt=now) | Q(failed_at__gte=start, failed_at__lt=now)
                                            ).aggregate(total=Count("id"), failed=Count("id", filter=Q(status=Status.FAILED)))
    if not counts["total"]:
        return None
    return round(100.0 * counts["failed"] / counts["total"], 2)
