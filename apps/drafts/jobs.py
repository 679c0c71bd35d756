"""The drafts sweeper: re-publishes the tasks of drafts whose task was lost or whose retry is due."""

from datetime import timedelta

from apps.core.tasks import publish
from apps.drafts import services, tasks
from apps.jobs.registry import register


@register("drafts.sweep", every=timedelta(minutes=1))
def sweep():
    """Queues the drafting or publishing task of every draft that waits for one."""
    due = services.due_ids()
    for name, ids in due.items():
        for draft_id in ids:
            publish(getattr(tasks, name), draft_id)
    return {name: len(ids) for name, ids in due.items()}
