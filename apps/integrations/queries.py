"""Read-side summaries of the inbox for dashboards, the jobs API and checks."""

from datetime import timedelta

from django.db.models import Count, Min
from django.utils import timezone

from apps.integrations.models import InboundEvent

S = InboundEvent.Status
PENDING = (S.RECEIVED, S.PROCESSING, S.FAILED)


def backlog(now=None) -> dict:
    """Events per status (pending ones), the age of the oldest pending, dead letters in the last hour."""
    now = now or timezone.now()
    pending = InboundEvent.objects.filter(status__in=PENDING)
    per_status = dict(pending.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    oldest = pending.aggregate(oldest=Min("received_at"))["oldest"]
    return {
        "pending": {status: per_status.get(status, 0) for status in PENDING},
        "oldest_pending_age_seconds": round((now - oldest).total_seconds(), 1) if oldest else None,
        "dead_letters_last_hour": InboundEvent.objects.filter(dead_lettered_at__gte=now - timedelta(hours=1)).count(),
        "dead_letters_total": InboundEvent.objects.dead_letters().count(),
    }


def retry_outcomes(since) -> list[dict]:
    """How events that finished since `since` ended, by provider, final status and attempts taken."""
    rows = (
        InboundEvent.objects.filter(updated_at__gte=since, status__in=[S.PROCESSED, S.DEAD_LETTERED, S.FAILED])
        .values("provider", "status", "attempts")
        .annotate(events=Count("id"))
        .order_by("provider", "status", "attempts")
    )
    return list(rows)
