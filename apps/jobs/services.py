"""Running jobs and recording each run as a WorkerRun: now (`run_job`), or queued for a worker
(`enqueue`, what the Jobs page and the jobs API ask for)."""

import json
import logging
import time
import traceback
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from apps.core import context
from apps.core.errors import ServiceError
from apps.core.tasks import publish
from apps.events import audit
from apps.jobs import alerts, registry
from apps.jobs.models import WorkerRun

logger = logging.getLogger("opsdesk.jobs")


class NotQueued(ServiceError):
    """The broker did not take the task: nothing will run, so the caller hears it now."""

    status_code = 503


def run_job(name, *, trigger="schedule", params=None) -> WorkerRun:
    """Runs a registered job now and records it. The job's function gets `**params` (and the run's
    trigger when it takes one); it returns a dict of counts (or None). When it raises, the run
    fails with the error, keeps the exception's `counts` if it has any, and JOB_FAILED is emitted."""
    job = registry.get(name)
    params = checked_params(job, params)
    run = WorkerRun.objects.create(
        name=name, trigger=trigger, params=params, started_at=timezone.now(), correlation_id=_correlation_id()
    )
    return _execute(job, run)


def run_queued(run_id) -> WorkerRun | None:
    """Runs a queued run once: a second delivery of the same task finds it claimed and does nothing."""
    claimed = WorkerRun.objects.filter(pk=run_id, status=WorkerRun.Status.QUEUED).update(
        status=WorkerRun.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return None
    run = WorkerRun.objects.get(pk=run_id)
    try:
        job = registry.get(run.name)
    except KeyError as exc:
        return _finish(run, time.perf_counter(), WorkerRun.Status.FAILED, error=exc.args[0])
    return _execute(job, run)


def enqueue(name, *, trigger="manual", params=None, request=None, actor=None, reason="") -> WorkerRun:
    """Queues a run for a worker and audits who asked. Raises ServiceError for an unknown job or a
    parameter it does not take, NotQueued when the broker refuses (the run is marked failed)."""
    job = _known(name)
    params = checked_params(job, params)
    now = timezone.now()
    with transaction.atomic():
        run = WorkerRun.objects.create(
            name=name,
            trigger=trigger,
            params=params,
            status=WorkerRun.Status.QUEUED,
            started_at=now,
            queued_at=now,
            correlation_id=_correlation_id(),
        )
        audit.record(
            "jobs.run_requested",
            request=request,
            actor=actor,
            target=run,
            reason=reason,
            after={"job": name, "params": params, "trigger": trigger},
        )
    _publish_run(run)
    run.refresh_from_db()
    return run


def request_tick(*, request=None, actor=None, reason="") -> None:
    """Queues a scheduler tick (every due job, run by a worker) and audits who asked."""
    from apps.jobs import tasks

    audit.record("jobs.tick_requested", request=request, actor=actor, reason=reason)
    if not publish(tasks.scheduler_tick):
        raise NotQueued("The broker did not take the tick; nothing ran. Check Redis and try again.", "not_queued")


def _publish_run(run):
    from apps.jobs import tasks

    if publish(tasks.run_registered_job, run.name, run.trigger, run.params, run_id=run.pk):
        return
    message = "Could not queue the run: the broker did not answer. Check Redis and try again."
    WorkerRun.objects.filter(pk=run.pk, status=WorkerRun.Status.QUEUED).update(
        status=WorkerRun.Status.FAILED, finished_at=timezone.now(), error=message
    )
    raise NotQueued(message, "not_queued")


def _known(name):
    try:
        return registry.get(name)
    except KeyError as exc:
        raise ServiceError(exc.args[0], "unknown_job") from None


def checked_params(job, params) -> dict:
    """The params as a plain dict, refused when they name an argument the job does not take."""
    unknown = job.unknown_params(params)
    if unknown:
        takes = ", ".join(job.parameters) or "no parameters"
        raise ServiceError(f"{job.name} does not take {', '.join(unknown)}; it takes {takes}.", "unknown_param")
    return dict(params or {})


def _execute(job, run) -> WorkerRun:
    started = time.perf_counter()
    kwargs = {**run.params, **({"trigger": run.trigger} if job.takes_trigger else {})}
    with context.bound(job_id=f"{run.name}:{run.pk}"):
        try:
            counts = job.func(**kwargs) or {}
        except Exception as exc:
            logger.exception("job %s failed", run.name)
            run = _finish(run, started, WorkerRun.Status.FAILED, counts=_partial_counts(exc), error=_describe(exc))
            alerts.announce_failure(run)
            return run
    return _finish(run, started, WorkerRun.Status.SUCCEEDED, counts=counts)


def _partial_counts(exc):
    """A job that fails after part of its work may say what it did in the exception's `counts`."""
    counts = getattr(exc, "counts", None)
    return counts if isinstance(counts, dict) else None


def _finish(run, started, status, counts=None, error=""):
    run.status = status
    run.finished_at = timezone.now()
    run.duration_ms = int((time.perf_counter() - started) * 1000)
    run.counts = _storable(counts or {})
    run.error = error
    run.save(update_fields=["status", "finished_at", "duration_ms", "counts", "error"])
    return run


def _storable(counts) -> dict:
    """Counts as JSON can hold them (a Decimal or a datetime becomes its text), so the run's
    record never fails on what a job returned."""
    return json.loads(json.dumps(counts, default=str))


def _describe(exc) -> str:
    return f"{type(exc).__name__}: {exc}\n" + "".join(traceback.format_exception(exc)[-3:])


QUEUED_TOO_LONG = timedelta(minutes=30)
RUNNING_TOO_LONG = timedelta(hours=2)


def expire_stale_runs(now=None) -> dict:
    """Fails runs no worker will finish: queued for longer than QUEUED_TOO_LONG (the broker lost the
    task, or no worker consumes the queue) or running for longer than RUNNING_TOO_LONG (the worker
    died mid-run). Each is a failed run with the reason, announced like any failure."""
    now = now or timezone.now()
    expired = {"queued": 0, "running": 0}
    for status, limit, reason in (
        (WorkerRun.Status.QUEUED, QUEUED_TOO_LONG, "No worker picked the run up in {limit}; is a worker running?"),
        (WorkerRun.Status.RUNNING, RUNNING_TOO_LONG, "The run did not finish in {limit}; its worker was lost."),
    ):
        for run in WorkerRun.objects.filter(status=status, started_at__lt=now - limit):
            expired[status] += _expire(run, status, reason.format(limit=_label(limit)), now)
    return expired


def _expire(run, status, reason, now) -> int:
    if not WorkerRun.objects.filter(pk=run.pk, status=status).update(
        status=WorkerRun.Status.FAILED, finished_at=now, error=f"StaleRun: {reason}"
    ):
        return 0
    run.refresh_from_db()
    alerts.announce_failure(run, now)
    return 1


def _label(limit) -> str:
    minutes = int(limit.total_seconds() // 60)
    return f"{minutes // 60} h" if minutes % 60 == 0 else f"{minutes} min"


def _correlation_id():
    return context.current_correlation_id() or ""


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
