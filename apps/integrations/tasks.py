from celery import shared_task

from apps.integrations import processing


@shared_task(name="apps.integrations.tasks.process_inbound_event")
def process_inbound_event(event_id):
    return processing.process(event_id)


@shared_task(name="apps.integrations.tasks.trigger_automation_run")
def trigger_automation_run(run_id):
    from apps.integrations import automation

    return automation.trigger(run_id)
