from datetime import timedelta

from apps.incidents import escalation, notifications
from apps.jobs.registry import register


@register("incidents.escalate", every=timedelta(minutes=1))
def escalate():
    """Tells the next on-call level about open incidents past their policy's deadlines."""
    result = escalation.escalate_due()
    return {**result, "requeued": notifications.requeue_stale()}
