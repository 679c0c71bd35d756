"""The schedule as operators see it: each registered job's last run, next run and last error, and
a tick that runs every job that is due now (for when beat is down or to catch up by hand)."""

from datetime import timedelta

from django.utils import timezone

from apps.jobs import registry, services
from apps.jobs.models import WorkerRun


def _last_run(name):
    return WorkerRun.objects.filter(name=name).order_by("-started_at").first()


def next_run_at(job, last_run, now):
    if last_run is None:
        return now
    remaining = job.celery_schedule.remaining_estimate(last_run.started_at)
    return max(now, now + remaining) if remaining > timedelta(0) else now


def schedule(now=None) -> list[dict]:
    now = now or timezone.now()
    rows = []
    for job in registry.all_jobs():
        last = _last_run(job.name)
        failed = WorkerRun.objects.filter(name=job.name, status=WorkerRun.Status.FAILED).order_by("-started_at").first()
        rows.append(
            {
                "name": job.name,
                "schedule": job.schedule_label,
                "description": job.description,
                "last_run_at": last and last.started_at,
                "last_status": last and last.status,
                "next_run_at": next_run_at(job, last, now),
                "due": next_run_at(job, last, now) <= now,
                "last_error": failed.error if failed else "",
                "last_error_at": failed and failed.started_at,
            }
        )
    return rows


def tick(now=None) -> list[WorkerRun]:
    """Runs every due job now, in name order, each recorded as a WorkerRun with trigger `tick`."""
    due = [row["name"] for row in schedule(now) if row["due"]]
    return [services.run_job(name, trigger="tick") for name in due]
