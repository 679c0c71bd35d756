"""The schedule as operators see it: each registered job's last run, next run and last error, and
a tick that runs every job that is due now (for when beat is down or to catch up by hand).

Beat (django_celery_beat's DatabaseScheduler) keeps a PeriodicTask per job with the time it last
sent it; the next run is estimated from the later of that and the job's last recorded run."""

from datetime import timedelta

from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from apps.jobs import registry, services
from apps.jobs.models import WorkerRun


def _last_run(name):
    return WorkerRun.objects.filter(name=name).order_by("-started_at").first()


def _last_failure(name):
    return WorkerRun.objects.filter(name=name, status=WorkerRun.Status.FAILED).order_by("-started_at").first()


def beat_tasks(names) -> dict:
    """Beat's PeriodicTask of each job that beat has stored, by job name."""
    return {task.name: task for task in PeriodicTask.objects.filter(name__in=list(names))}


def next_run_at(job, last_started_at, now):
    if last_started_at is None:
        return now
    remaining = job.celery_schedule.remaining_estimate(last_started_at)
    return max(now, now + remaining) if remaining > timedelta(0) else now


def _latest(*moments):
    known = [moment for moment in moments if moment is not None]
    return max(known) if known else None


def schedule(now=None) -> list[dict]:
    now = now or timezone.now()
    jobs = registry.all_jobs()
    beat = beat_tasks(job.name for job in jobs)
    return [_row(job, beat.get(job.name), now) for job in jobs]


def _row(job, beat_task, now) -> dict:
    last, failed = _last_run(job.name), _last_failure(job.name)
    beat_sent_at = beat_task.last_run_at if beat_task else None
    upcoming = next_run_at(job, _latest(last and last.started_at, beat_sent_at), now)
    return {
        "name": job.name,
        "schedule": job.schedule_label,
        "description": job.description,
        "parameters": job.parameters,
        "last_run_at": last and last.started_at,
        "last_status": last and last.status,
        "next_run_at": upcoming,
        "due": upcoming <= now,
        "last_error": failed.error if failed else "",
        "last_error_at": failed and failed.started_at,
        "beat_enabled": beat_task.enabled if beat_task else None,
        "beat_last_sent_at": beat_sent_at,
        "beat_total_runs": beat_task.total_run_count if beat_task else None,
    }


def tick(now=None) -> list[WorkerRun]:
    """Runs every due job now, in name order, each recorded as a WorkerRun with trigger `tick`."""
    due = [row["name"] for row in schedule(now) if row["due"]]
    return [services.run_job(name, trigger="tick") for name in due]
