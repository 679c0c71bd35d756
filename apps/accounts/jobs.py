from datetime import timedelta

from apps.accounts.signup import services as signups
from apps.jobs.registry import register


@register("accounts.expire_signups", every=timedelta(minutes=1))
def expire_signups():
    """Signups nobody approved within their PIN's 10 minutes become expired."""
    return {"expired": signups.expire_overdue()}


@register("accounts.purge_signups", cron={"minute": 53, "hour": 3})
def purge_signups():
    """Deletes signups older than 30 days, whatever became of them (the audit log keeps the story)."""
    return {"deleted": signups.purge_old()}
