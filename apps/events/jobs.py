from apps.events import builtin_metrics, retention  # noqa: F401  (registers metrics)
from apps.jobs.registry import register


@register("events.purge_old_events", cron={"minute": 17, "hour": 3})
def purge_old_events():
    """Deletes events older than EVENT_RETENTION_DAYS, in batches."""
    return {"deleted": retention.purge_old_events()}
