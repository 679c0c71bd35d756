from datetime import timedelta

from apps.core import db_outages
from apps.events import builtin_metrics, retention  # noqa: F401  (registers metrics)
from apps.jobs.registry import register


@register("events.purge_old_events", cron={"minute": 17, "hour": 3})
def purge_old_events():
    """Deletes events older than EVENT_RETENTION_DAYS, in batches."""
    return {"deleted": retention.purge_old_events()}


@register("events.report_database_outages", every=timedelta(minutes=1))
def report_database_outages():
    """Turns the connection errors spooled while the database was down into DATABASE_UNAVAILABLE."""
    outage = db_outages.drain()
    return {"errors": outage.errors if outage else 0}
