"""Publishing a Celery task from code that must not fail because the broker is away."""

import logging

logger = logging.getLogger("opsdesk.tasks")


def publish(task, *args, countdown=None, **kwargs) -> bool:
    """Queues `task(*args, **kwargs)`; returns whether it was queued. Never raises: a broker that
    does not answer costs at most the publish timeout and is logged, and the caller's sweeper
    publishes what was not."""
    try:
        task.apply_async(args=list(args), kwargs=kwargs or None, countdown=countdown, retry=False)
    except Exception as exc:
        logger.warning(
            "could not publish %s%s (%s); a sweeper will",
            task.name,
            args,
            exc,
            extra={"task": task.name, "error": repr(exc)},
        )
        return False
    return True
