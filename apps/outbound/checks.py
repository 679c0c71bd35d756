"""The outbound check runbooks run ("Run checks" on an incident about sends failing or blocked):
paused connections, and what the tenant's messages did in the last hour."""

from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone

from apps.health.checks import CheckFailed, check
from apps.integrations.models import Connection
from apps.outbound.models import REFUSED, OutboundMessage, Status

FAILURE_RATE_LIMIT = 10.0  # percent, the seeded critical threshold of message_delivery_failure_rate


@check("outbound_sending", "No sending connection is paused and under 10 % of last hour's sends failed", needs="tenant")
def outbound_sending(*, tenant, connection=None):
    value = _last_hour(tenant, timezone.now())
    paused = list(
        Connection.objects.for_tenant(tenant)
        .filter(sending_paused_at__isnull=False)
        .values_list("name", "sending_paused_reason")
    )
    value["paused"] = [name for name, _ in paused]
    problems = [f"sending paused on {name}: {reason}" for name, reason in paused]
    if value["failure_rate"] is not None and value["failure_rate"] >= FAILURE_RATE_LIMIT:
        problems.append(
            f"{value['failed']} of {value['sent'] + value['failed']} sends failed in the last hour "
            f"({value['failure_rate']} %)"
        )
    detail = (
        f"last hour: {value['sent']} sent, {value['failed']} failed, {value['blocked']} blocked by preflight, "
        f"{value['queued']} waiting"
    )
    if problems:
        raise CheckFailed("; ".join(problems) + f" ({detail})", value=value)
    return value, detail


def _last_hour(tenant, now) -> dict:
    since = now - timedelta(hours=1)
    rows = OutboundMessage.objects.for_tenant(tenant)
    counts = rows.aggregate(
        sent=Count("id", filter=Q(sent_at__gte=since)),
        failed=Count("id", filter=Q(status=Status.FAILED, failed_at__gte=since)),
        blocked=Count("id", filter=Q(status__in=REFUSED, blocked_at__gte=since)),
        queued=Count("id", filter=Q(status=Status.QUEUED)),
    )
    outcomes = counts["sent"] + counts["failed"]
    counts["failure_rate"] = round(100.0 * counts["failed"] / outcomes, 1) if outcomes else None
    return counts
