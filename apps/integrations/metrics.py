"""Inbox metrics for the Error Center's alert rules (params: optional `provider` and `tenant`)."""

from django.db.models import Count, Q

from apps.events.metrics import register
from apps.integrations.models import InboundEvent

S = InboundEvent.Status


def _finished_in(window, now, params):
    rows = InboundEvent.objects.filter(
        updated_at__gte=now - window, updated_at__lt=now, status__in=[S.PROCESSED, S.FAILED, S.DEAD_LETTERED]
    )
    if params.get("provider"):
        rows = rows.filter(provider=params["provider"])
    if params.get("tenant"):
        rows = rows.filter(tenant__slug=params["tenant"])
    return rows.aggregate(total=Count("id"), ok=Count("id", filter=Q(status=S.PROCESSED)))


def _percent(part, whole):
    return None if not whole else round(100.0 * part / whole, 2)


def finished_volume(window, now, params):
    return _finished_in(window, now, params)["total"]


@register(
    "webhook_success_rate", "Webhook processing success rate (params: provider, tenant)", "%", volume=finished_volume
)
def webhook_success_rate(window, now, params):
    counts = _finished_in(window, now, params)
    return _percent(counts["ok"], counts["total"])


@register(
    "webhook_failure_rate", "Webhook processing failure rate (params: provider, tenant)", "%", volume=finished_volume
)
def webhook_failure_rate(window, now, params):
    counts = _finished_in(window, now, params)
    return _percent(counts["total"] - counts["ok"], counts["total"])


@register("dead_letters_per_hour", "Webhook dead letters per hour (params: provider, tenant)", "per hour")
def dead_letters_per_hour(window, now, params):
    rows = InboundEvent.objects.filter(dead_lettered_at__gte=now - window, dead_lettered_at__lt=now)
    if params.get("provider"):
        rows = rows.filter(provider=params["provider"])
    if params.get("tenant"):
        rows = rows.filter(tenant__slug=params["tenant"])
    return rows.count() * 3600.0 / max(window.total_seconds(), 1)
