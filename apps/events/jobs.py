from datetime import timedelta

from apps.events import alerts, builtin_metrics, retention, spikes  # noqa: F401  (registers metrics)
from apps.jobs.registry import register


@register("events.detect_spikes", every=timedelta(minutes=1))
def detect_spikes():
    """Opens or joins an incident for each error code spiking across tenants."""
    result = spikes.detect()
    return {"spiking_codes": len(result["spiking_codes"]), "opened": result["opened"], "joined": result["joined"]}


@register("events.evaluate_alert_rules", every=timedelta(minutes=1))
def evaluate_alert_rules():
    """Evaluates every enabled alert rule."""
    return alerts.evaluate_all()


@register("events.purge_old_events", cron={"minute": 17, "hour": 3})
def purge_old_events():
    """Deletes events older than EVENT_RETENTION_DAYS, in batches."""
    return {"deleted": retention.purge_old_events()}
