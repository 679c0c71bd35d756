from datetime import timedelta

from apps.jobs.registry import register
from apps.outbound import services


@register("outbound.process_due", every=timedelta(minutes=1))
def process_due():
    """Hands due queued messages to dispatch, releases frequency-capped ones whose window ended,
    fails sends lost with a worker."""
    return services.process_due()


@register("outbound.purge_attempts", cron={"minute": 33, "hour": 3})
def purge_attempts():
    """Deletes send attempts older than OUTBOUND_ATTEMPT_RETENTION_DAYS (the messages stay)."""
    return {"deleted": services.purge_attempts()}
