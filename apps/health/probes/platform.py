"""Platform checks: the database, the broker, the workers and the inbound backlog."""

import time
from datetime import timedelta

from django.conf import settings
from django.db import connection as db
from django.db.models import Min
from django.utils import timezone

from apps.events import emit
from apps.health.checks import CheckFailed, CheckSkipped, check


@check("database_latency", "SELECT 1 answers within HEALTH_DB_LATENCY_MS")
def database_latency(*, tenant=None, connection=None):
    started = time.perf_counter()
    with db.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    elapsed = round((time.perf_counter() - started) * 1000, 1)
    limit = settings.HEALTH_DB_LATENCY_MS
    if elapsed >= limit:
        raise CheckFailed(f"SELECT 1 took {elapsed:g} ms (limit {limit:g} ms)", value=elapsed)
    return elapsed, f"SELECT 1 in {elapsed:g} ms (limit {limit:g} ms)"


@check("redis_ping", "The Redis broker answers PING")
def redis_ping(*, tenant=None, connection=None):
    url = settings.CELERY_BROKER_URL
    if settings.CELERY_BROKER_IS_EMBEDDED:
        raise CheckSkipped("no Redis: the broker is the embedded filesystem transport (development setup)")
    if not url.startswith(("redis://", "rediss://")):
        raise CheckSkipped(f"no Redis: the broker is {url.split('://', 1)[0]}")
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        started = time.perf_counter()
        client.ping()
        elapsed = round((time.perf_counter() - started) * 1000, 1)
    except redis.RedisError as exc:
        raise CheckFailed(f"Redis did not answer PING: {type(exc).__name__}: {exc}") from None
    finally:
        client.close()
    return elapsed, f"PONG in {elapsed} ms"


@check("celery_workers", "A worker heartbeat is fresher than WORKER_HEARTBEAT_MAX_AGE_S")
def celery_workers(*, tenant=None, connection=None):
    from apps.core.health import check_worker

    if settings.CELERY_TASK_ALWAYS_EAGER:
        return None, "tasks run eagerly in-process; no worker is needed"
    result = check_worker()
    age, limit = result["heartbeat_age_s"], settings.WORKER_HEARTBEAT_MAX_AGE_S
    if age is None:
        raise CheckFailed("no worker heartbeat was ever recorded: is a worker (and beat) running?")
    if not result["fresh"]:
        raise CheckFailed(f"last worker heartbeat {age} s ago (limit {limit} s)", value=age)
    return age, f"last worker heartbeat {age} s ago (limit {limit} s)"


@check("queue_depth", "Broker queue length and the oldest inbound event still waiting")
def queue_depth(*, tenant=None, connection=None):
    depth = _broker_depth()
    oldest_age = _oldest_pending_age_s()
    value = {"broker_queue": depth, "oldest_pending_s": oldest_age}
    detail = (
        f"{'?' if depth is None else depth} message(s) in the broker queue; oldest waiting inbound event "
        f"{'none' if oldest_age is None else f'{oldest_age} s old'}"
    )
    problems = _queue_problems(depth, oldest_age)
    if problems:
        raise CheckFailed(f"{detail} — {'; '.join(problems)}", value=value)
    return value, detail


def _queue_problems(depth, oldest_age):
    problems = []
    if depth is not None and depth > settings.HEALTH_QUEUE_DEPTH_MAX:
        problems.append(f"queue above {settings.HEALTH_QUEUE_DEPTH_MAX}")
    if oldest_age is not None and oldest_age > settings.HEALTH_PENDING_AGE_MAX_S:
        problems.append(f"backlog older than {settings.HEALTH_PENDING_AGE_MAX_S} s")
    return problems


def _broker_depth():
    """Messages waiting in Celery's default queue; None when tasks run eagerly (there is no queue)."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return None
    from kombu import Connection
    from kombu.exceptions import ChannelError

    queue = getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", "celery")
    with Connection(
        settings.CELERY_BROKER_URL, connect_timeout=2, transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS
    ) as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
        try:
            return conn.default_channel.queue_declare(queue=queue, passive=True).message_count
        except ChannelError:
            return 0  # the queue was never declared: nothing was ever queued


def _oldest_pending_age_s():
    from apps.integrations.models import InboundEvent

    oldest = InboundEvent.objects.filter(
        status__in=[InboundEvent.Status.RECEIVED, InboundEvent.Status.FAILED]
    ).aggregate(oldest=Min("received_at"))["oldest"]
    return None if oldest is None else round((timezone.now() - oldest).total_seconds())


@check("dead_letters_last_hour", "Inbound events dead-lettered in the last hour, against HEALTH_DEAD_LETTERS_MAX")
def dead_letters_last_hour(*, tenant=None, connection=None):
    from apps.integrations.models import InboundEvent

    rows = InboundEvent.objects.dead_letters().filter(dead_lettered_at__gte=timezone.now() - timedelta(hours=1))
    if tenant is not None:
        rows = rows.for_tenant(tenant)
    count, limit = rows.count(), settings.HEALTH_DEAD_LETTERS_MAX
    if count > limit:
        raise CheckFailed(f"{count} dead letter(s) in the last hour (more than {limit})", value=count)
    return count, f"{count} dead letter(s) in the last hour (limit {limit})"


@check("stuck_automation_runs", "Automation runs queued or running longer than N8N_RUN_TIMEOUT_S")
def stuck_automation_runs(*, tenant=None, connection=None):
    from django.db.models import Q

    from apps.integrations.models import AutomationRun

    Run, limit = AutomationRun.Status, settings.N8N_RUN_TIMEOUT_S
    cutoff = timezone.now() - timedelta(seconds=limit)
    stuck = AutomationRun.objects.filter(
        Q(status=Run.RUNNING, started_at__lt=cutoff) | Q(status=Run.QUEUED, created_at__lt=cutoff)
    )
    if tenant is not None:
        stuck = stuck.for_tenant(tenant)
    count = stuck.count()
    if count:
        raise CheckFailed(f"{count} automation run(s) queued or running for more than {limit} s", value=count)
    return 0, f"no automation run queued or running for more than {limit} s"


@check("auth_login", "A probe user logs in through /auth/login, reads /auth/me and logs out")
def auth_login(*, tenant=None, connection=None):
    from apps.accounts import auth_probe

    result = auth_probe.run()
    if not result.ok:
        detail = f"authentication is down at the {result.step} step: {result.detail}"
        emit("AUTH_PROBE_FAILED", message=detail, meta={"step": result.step}, source="health")
        raise CheckFailed(detail, value=result.step)
    return {"latency_ms": result.latency_ms}, f"synthetic login worked in {result.latency_ms} ms ({result.detail})"
