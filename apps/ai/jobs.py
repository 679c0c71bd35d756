from apps.ai import retention
from apps.jobs.registry import register


@register("ai.purge_requests", cron={"minute": 41, "hour": 3})
def purge_requests():
    """Deletes AI requests older than AI_REQUEST_RETENTION_DAYS, in batches (the usage counters stay)."""
    return {"deleted": retention.purge_requests()}
