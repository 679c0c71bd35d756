from celery import shared_task

from apps.integrations import processing


@shared_task(name="apps.integrations.tasks.drain_inbox")
def drain_inbox(event_ids):
    """A webhook's events and whatever else waits; publishes a follow-up when it stopped at its limit.
    Clears the pending flag before it claims anything (see inbox.PendingDrain)."""
    from apps.integrations import inbox

    pending = inbox.drain_pending(drain_inbox.app)
    if pending is not None:
        pending.clear()
    counts = processing.drain(event_ids)
    if counts.get("more"):
        inbox.enqueue_drain(event_ids)
    return counts


@shared_task(name="apps.integrations.tasks.process_inbound_events")
def process_inbound_events(event_ids):
    """Exactly these events (sweeper, replay, retries), claimed as one batch."""
    return processing.process_batch(event_ids)


@shared_task(name="apps.integrations.tasks.process_inbound_event")
def process_inbound_event(event_id):
    """Kept so tasks published before batching still run."""
    return processing.process(event_id)


@shared_task(name="apps.integrations.tasks.trigger_automation_run")
def trigger_automation_run(run_id):
    from apps.integrations import automation

    return automation.trigger(run_id)


@shared_task(name="apps.integrations.tasks.pms_sync")
def pms_sync(run_id):
    """A queued manual PMS sync (the connection admin's button)."""
    from apps.integrations.pms import sync

    sync.perform(run_id)
