"""Running jobs and recording each run as a WorkerRun."""

import logging
import time
import traceback

from django.utils import timezone

from apps.core import context
from apps.jobs import registry
from apps.jobs.models import WorkerRun

logger = logging.getLogger("opsdesk.jobs")


def run_job(name, *, trigger="schedule") -> WorkerRun:
    """Runs a registered job now and records it. A job returns a dict of counts (or None)."""
    job = registry.get(name)
    run = WorkerRun.objects.create(
        name=name, trigger=trigger, started_at=timezone.now(), correlation_id=context.current_correlation_id() or ""
    )
    started = time.perf_counter()
    with context.bound(job_id=f"{name}:{run.pk}"):
        try:
            counts = job.func() or {}
        except Exception as exc:
            logger.exception("job %s failed", name)
            return _finish(run, started, WorkerRun.Status.FAILED, error=_describe(exc))
    return _finish(run, started, WorkerRun.Status.SUCCEEDED, counts=counts)


def _finish(run, started, status, counts=None, error=""):
    run.status = status
    run.finished_at = timezone.now()
    run.duration_ms = int((time.perf_counter() - started) * 1000)
    run.counts = counts or {}
    run.error = error
    run.save(update_fields=["status", "finished_at", "duration_ms", "counts", "error"])
    return run


def _describe(exc) -> str:
    return f"{type(exc).__name__}: {exc}\n" + "".join(traceback.format_exception(exc)[-3:])


def last_runs() -> dict:
    """The latest run of every registered job (None when it never ran)."""
    latest = {}
    for job in registry.all_jobs():
        latest[job.name] = WorkerRun.objects.filter(name=job.name).order_by("-started_at").first()
    return latest


def worker_heartbeat_age_seconds():
    run = (
        WorkerRun.objects.filter(name="jobs.worker_heartbeat", status=WorkerRun.Status.SUCCEEDED)
        .order_by("-started_at")
        .first()
    )
    if run is None:
        return None
    return (timezone.now() - run.started_at).total_seconds()
