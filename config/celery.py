"""The Celery app. Beat's schedule comes from the job registry (apps.jobs.registry); every task
carries the correlation id of whoever enqueued it."""

import os

from celery import Celery
from celery.signals import before_task_publish, celeryd_init, task_postrun, task_prerun, worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("opsdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def use_job_registry_for_beat(sender, **kwargs):
    from apps.jobs.registry import beat_schedule

    sender.conf.beat_schedule = beat_schedule()


@before_task_publish.connect
def attach_correlation_id(headers=None, **kwargs):
    from apps.core import context

    if headers is not None and not headers.get("opsdesk_correlation_id"):
        headers["opsdesk_correlation_id"] = context.current_correlation_id() or context.new_correlation_id()
        headers["opsdesk_tenant_id"] = context.tenant_id_var.get()


_TOKENS = {}


@task_prerun.connect
def bind_correlation_id(task_id=None, task=None, **kwargs):
    from apps.core import context

    correlation_id = getattr(task.request, "opsdesk_correlation_id", None)
    manager = context.bound(
        request_id=correlation_id or context.current_correlation_id() or task_id,
        tenant_id=getattr(task.request, "opsdesk_tenant_id", None) or context.tenant_id_var.get(),
        job_id=f"{task.name}:{task_id}",
    )
    manager.__enter__()
    _TOKENS[task_id] = manager


@task_postrun.connect
def unbind_correlation_id(task_id=None, **kwargs):
    manager = _TOKENS.pop(task_id, None)
    if manager is not None:
        manager.__exit__(None, None, None)


@before_task_publish.connect
def attach_rls_context(headers=None, **kwargs):
    from apps.core import db_context

    db_context.attach_to_task(headers)


@task_prerun.connect
def enter_rls_context(task_id=None, task=None, **kwargs):
    from apps.core import db_context

    db_context.enter_task(task_id, task)


@task_postrun.connect
def leave_rls_context(task_id=None, **kwargs):
    from apps.core import db_context

    db_context.leave_task(task_id)


@celeryd_init.connect
def share_metrics_between_pool_processes(sender=None, **kwargs):
    """In the worker's main process, before the pool starts: the worker's metrics go to files that
    its pool processes share and the web's /metrics reads (apps/core/metrics_processes.py)."""
    from django.conf import settings

    from apps.core import metrics_processes

    _ = settings.DEBUG  # loading the settings reads .env, where PROMETHEUS_MULTIPROC_DIR may be
    metrics_processes.become(f"worker.{sender or 'celery'}")


@worker_ready.connect
def record_heartbeat_at_start(**kwargs):
    """A worker that has just started is alive. Beat's first tick sends the health monitors and the
    heartbeat job together; without this the monitors could find no heartbeat yet and call the
    workers down on a fresh start."""
    from apps.core import db_context
    from apps.jobs.services import run_job

    with db_context.platform_context():
        run_job("jobs.worker_heartbeat", trigger="worker_start")
