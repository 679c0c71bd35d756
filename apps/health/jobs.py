from datetime import timedelta

from django.conf import settings

from apps.health import services
from apps.jobs.registry import register


@register("health.run_monitors", every=timedelta(seconds=settings.HEALTH_MONITOR_INTERVAL_SECONDS))
def run_monitors():
    """Runs every enabled health monitor once (but those of checks with a job of their own);
    repeated failures open or join an incident."""
    return services.outcome_counts(services.run_monitors())


@register("health.purge_results", cron={"minute": 41, "hour": 3})
def purge_results():
    """Deletes monitor results older than HEALTH_RESULT_RETENTION_DAYS."""
    return {"deleted": services.purge_results()}


@register("health.inbound_silence", every=timedelta(minutes=5))
def inbound_silence():
    """Connections that usually receive traffic and have gone quiet open a silence (and an
    incident); those whose traffic resumed close theirs."""
    from apps.health import silence

    return silence.check()


@register("health.heartbeats", every=timedelta(minutes=1))
def heartbeats():
    """Heartbeat checks whose ping is overdue are reported missed, those that pinged /fail failed."""
    from apps.health import heartbeats as checks

    return checks.check_all()
