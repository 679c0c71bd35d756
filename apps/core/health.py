"""Liveness and readiness: what a load balancer and an on-call engineer ask first. Anyone may
ask; only staff (and the logs) are told hosts, ports, latencies and the drivers' errors."""

import logging
import time

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from kombu import Connection

from apps.core import db_outages

logger = logging.getLogger("opsdesk.health")


@never_cache
def healthz(request):
    return JsonResponse({"status": "ok"})


def check_database() -> dict:
    """SELECT 1; a connection error is counted for DATABASE_UNAVAILABLE, and the first answer after
    an outage reports what was counted."""
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        db_outages.record(exc, "readyz")
        raise
    latency_ms = round((time.perf_counter() - started) * 1000, 1)
    if db_outages.pending():
        db_outages.drain()
    return {"ok": True, "latency_ms": latency_ms}


def check_broker() -> dict:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"ok": True, "detail": "tasks run eagerly in-process"}
    started = time.perf_counter()
    with Connection(
        settings.CELERY_BROKER_URL, connect_timeout=2, transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS
    ) as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return {"ok": True, "latency_ms": round((time.perf_counter() - started) * 1000, 1)}


def check_worker() -> dict:
    """Informational: a stale heartbeat does not fail readiness (the web can serve without a
    worker; the sweeper catches up), but it is shown."""
    from apps.jobs.services import worker_heartbeat_age_seconds

    age = worker_heartbeat_age_seconds()
    fresh = age is not None and age <= settings.WORKER_HEARTBEAT_MAX_AGE_S
    return {"ok": True, "heartbeat_age_s": None if age is None else round(age), "fresh": fresh}


READINESS_CHECKS = {"database": check_database, "broker": check_broker, "worker": check_worker}


def run_checks(checks=READINESS_CHECKS) -> dict:
    results = {}
    for name, check in checks.items():
        try:
            results[name] = check()
        except Exception as exc:
            results[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    return results


@never_cache
def readyz(request):
    results = run_checks()
    failing = [name for name, result in results.items() if not result["ok"]]
    for name in failing:
        logger.warning("Readiness check failed", extra={"check": name, "error": results[name].get("error", "")})
    checks = results if _is_staff(request) else {name: {"ok": result["ok"]} for name, result in results.items()}
    body = {"status": "ok" if not failing else "unavailable", "failing": failing, "checks": checks}
    return JsonResponse(body, status=503 if failing else 200)


def _is_staff(request) -> bool:
    """False too when the session cannot be read because the database is down."""
    try:
        user = getattr(request, "user", None)
        return bool(user is not None and user.is_authenticated and user.is_staff)
    except DatabaseError:
        return False
