from celery import shared_task

from apps.jobs import scheduler, services


@shared_task(name="apps.jobs.tasks.run_registered_job")
def run_registered_job(name, trigger="schedule", params=None, run_id=None):
    """Beat sends (name); the Jobs page and the API send the queued run's id as well."""
    if run_id is not None:
        run = services.run_queued(run_id)
        return run and run.status
    return services.run_job(name, trigger=trigger, params=params).status


@shared_task(name="apps.jobs.tasks.scheduler_tick")
def scheduler_tick():
    return [run.status for run in scheduler.tick()]
