from datetime import timedelta

from apps.comms.services import announcements, outbox_mail, subscriptions
from apps.jobs.registry import register


@register("comms.sweep", every=timedelta(minutes=1))
def sweep():
    """Publishes comms e-mails and subscriber fan-outs the broker missed, fails sends whose worker
    was lost, and forgets subscription rate-limit rows older than a day."""
    return {
        "requeued": outbox_mail.requeue_stale(),
        "fan_outs": announcements.fan_out_late(),
        "attempts_purged": subscriptions.purge_attempts(),
    }
