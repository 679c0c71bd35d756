"""Counting what happens elsewhere through signals: logins, lockouts and Celery tasks."""

import threading
import time

from apps.core import metrics_prometheus as prom

_started: dict[str, float] = {}
_lock = threading.Lock()


def via(request) -> str:
    """Where a login came from: the admin, the JSON auth/API, or the portal's login page."""
    path = getattr(request, "path", "") or ""
    if path.startswith("/admin/"):
        return "admin"
    if path.startswith(("/api/", "/auth/")):
        return "api"
    return "portal" if request is not None else "other"


def login_succeeded(sender, request=None, **kwargs):
    prom.inc(prom.LOGINS, result="success", via=via(request))


def login_failed(sender, request=None, **kwargs):
    prom.inc(prom.LOGINS, result="failure", via=via(request))


def locked_out(sender, request=None, **kwargs):
    prom.inc(prom.LOCKOUTS, via=via(request))


def task_started(task_id=None, **kwargs):
    with _lock:
        _started[task_id] = time.perf_counter()


def task_finished(task_id=None, task=None, state=None, **kwargs):
    with _lock:
        started = _started.pop(task_id, None)
    if started is not None and task is not None:
        prom.observe(prom.TASK_DURATION, time.perf_counter() - started, task=task.name, state=str(state or "").lower())


def task_failed(sender=None, exception=None, **kwargs):
    name = getattr(sender, "name", "unknown")
    prom.inc(prom.TASK_FAILURES, task=name, exception=type(exception).__name__ if exception else "unknown")


def connect():
    from axes.signals import user_locked_out
    from celery.signals import task_failure, task_postrun, task_prerun
    from django.contrib.auth.signals import user_logged_in, user_login_failed

    user_logged_in.connect(login_succeeded, dispatch_uid="observability.login")
    user_login_failed.connect(login_failed, dispatch_uid="observability.login_failed")
    user_locked_out.connect(locked_out, dispatch_uid="observability.locked_out")
    task_prerun.connect(task_started, dispatch_uid="observability.task_started", weak=False)
    task_postrun.connect(task_finished, dispatch_uid="observability.task_finished", weak=False)
    task_failure.connect(task_failed, dispatch_uid="observability.task_failed", weak=False)
