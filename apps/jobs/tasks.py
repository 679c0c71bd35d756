from celery import shared_task

from apps.jobs import services


@shared_task(name="apps.jobs.tasks.run_registered_job")
def run_registered_job(name, trigger="schedule"):
    return services.run_job(name, trigger=trigger).status
