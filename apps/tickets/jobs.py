from datetime import timedelta

from apps.jobs.registry import register
from apps.tickets import notifications, services, sla


@register("tickets.mark_sla_breaches", every=timedelta(minutes=1))
def mark_sla_breaches():
    """Marks tickets past an SLA target as breached and emits SLA_BREACHED once per target."""
    return sla.mark_breaches()


@register("tickets.close_solved", cron={"minute": 7})
def close_solved():
    """Closes tickets solved more than TICKET_AUTOCLOSE_DAYS ago."""
    return {"closed": services.close_solved_tickets()}


@register("tickets.requeue_notifications", every=timedelta(minutes=5))
def requeue_notifications():
    """Re-enqueues ticket emails left queued while the broker was unavailable."""
    return {"requeued": notifications.requeue_stale()}
