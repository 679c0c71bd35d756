"""JOB_FAILED for failed worker runs, at most once per job per hour.

The hour is kept in the database (FailureAlert), not in a process: every worker agrees on who
announces, through a compare-and-set update of the job's `last_alert_at`."""

from datetime import timedelta

from django.utils import timezone

from apps.events import emit
from apps.jobs.models import FailureAlert, WorkerRun

INTERVAL = timedelta(hours=1)


def announce_failure(run, now=None):
    """Emits JOB_FAILED for a failed run unless the same job announced one within the hour.
    Returns the SystemEvent, or None when the hour's announcement was already made."""
    now = now or timezone.now()
    previous = _claim(run.name, now)
    if previous is False:
        return None
    return emit(
        "JOB_FAILED",
        message=f"{run.name} failed: {first_line(run.error)}",
        source="jobs",
        meta={
            "job": run.name,
            "worker_run_id": run.pk,
            "trigger": run.trigger,
            "params": run.params,
            "failed_since_last_alert": _failures_since(run, previous),
        },
    )


def _claim(name, now):
    """The job's previous alert time (None for a first) when this caller may announce, else False."""
    row, _ = FailureAlert.objects.get_or_create(name=name)
    previous = row.last_alert_at
    if previous is not None and previous > now - INTERVAL:
        return False
    won = FailureAlert.objects.filter(pk=row.pk, last_alert_at=previous).update(last_alert_at=now)
    return previous if won else False


def _failures_since(run, previous):
    """Failed runs of the job since the last announcement, this one included."""
    failed = WorkerRun.objects.filter(name=run.name, status=WorkerRun.Status.FAILED)
    return failed.filter(started_at__gt=previous).count() if previous else 1


def first_line(error) -> str:
    return error.splitlines()[0][:300] if error else "unknown error"
