"""The drafts sweeper (re-publishes the tasks of drafts whose task was lost or whose retry is due)
and the support-loop monitors' own job."""

from datetime import timedelta

from django.conf import settings

from apps.core.tasks import publish
from apps.drafts import e2e, services, tasks
from apps.health import services as health
from apps.jobs.registry import register


@register("drafts.sweep", every=timedelta(minutes=1))
def sweep():
    """Queues the drafting or publishing task of every draft that waits for one."""
    due = services.due_ids()
    for name, ids in due.items():
        for draft_id in ids:
            publish(getattr(tasks, name), draft_id)
    return {name: len(ids) for name, ids in due.items()}


@register("drafts.support_loop_monitors", every=timedelta(seconds=settings.HEALTH_MONITOR_INTERVAL_SECONDS))
def support_loop_monitors():
    """Runs the enabled support-loop monitors (check support_loop_e2e), apart from
    health.run_monitors: a loop waits on Chatwoot's webhook and the AI draft, up to
    SUPPORT_LOOP_E2E_TIMEOUT_S a step, and must not hold up the other monitors."""
    return health.outcome_counts(health.run_monitors(only=e2e.NAME))
