"""Celery entry points of AI drafts: thin, idempotent (the services claim the draft row), and
re-published with a countdown when a service asks for a retry (the sweeper job catches any lost)."""

from celery import shared_task

from apps.core.tasks import publish
from apps.drafts import services


@shared_task(name="apps.drafts.tasks.draft_message")
def draft_message(draft_id):
    """Search, AI and the private note for one customer message."""
    return _then_retry(draft_message, draft_id, services.draft_for_message(draft_id))


@shared_task(name="apps.drafts.tasks.publish_draft")
def publish_draft(draft_id):
    """Sends an approved draft's reply to the customer, once."""
    return _then_retry(publish_draft, draft_id, services.publish(draft_id))


def _then_retry(task, draft_id, outcome) -> str:
    if outcome.retry_in is not None:
        publish(task, draft_id, countdown=outcome.retry_in)
    return outcome.name


@shared_task(name="apps.drafts.tasks.run_support_loop")
def run_support_loop(monitor_id):
    """One run of the support_loop_e2e check as its monitor (recorded; a failure counts toward an incident)."""
    from apps.health import services as health
    from apps.health.models import HealthMonitor

    monitor = HealthMonitor.objects.select_related("tenant").filter(pk=monitor_id).first()
    return health.run_monitor(monitor).result.status if monitor else "gone"
