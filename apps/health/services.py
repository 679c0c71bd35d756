"""Health monitors: kept in step with the platform and the connections, run, and turned into
incidents. The only code that changes HealthMonitor and MonitorResult rows; the incidents are
opened and annotated by `incidents.services.detection`, which listens to `health.signals`.

A monitor's failures count up; at HEALTH_FAILURE_THRESHOLD in a row it is `down` and every
failing run opens or joins the incident for its component (dedup key `health:<key>`), so a
flapping monitor keeps joining the one open incident. Inside a maintenance window the incident
is held and the suppression recorded instead. A pass after `down` is a recovery: an event and a
timeline entry that suggests resolving once every component of the incident is healthy."""

import json
import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone

from apps.core import db_outages
from apps.core.errors import ServiceError
from apps.events import audit, emit
from apps.health import checks, maintenance, signals
from apps.health.models import HealthMonitor, MonitorResult, SuppressedAlert
from apps.integrations.models import Connection

logger = logging.getLogger("opsdesk.health")
State, Kind = HealthMonitor.State, HealthMonitor.Kind
CONNECTION_CHECKS = {
    "chatwoot": "connection_chatwoot",
    "waha": "connection_waha",
    "meta": "connection_meta_token",
    "n8n": "connection_n8n",
    "pms": "connection_pms",
}
PLATFORM = [
    ("database", "PostgreSQL database", Kind.DATABASE, "database_latency"),
    ("redis", "Redis broker", Kind.REDIS, "redis_ping"),
    ("workers", "Celery workers", Kind.WORKERS, "celery_workers"),
    ("ai_provider", "AI provider", Kind.AI_PROVIDER, "ai_provider"),
    ("auth", "Authentication (synthetic login)", Kind.AUTH, "auth_login"),
    ("backups", "Backups and restore drills", Kind.BACKUPS, "backup_freshness"),
]


@dataclass
class Outcome:
    monitor: HealthMonitor
    result: MonitorResult
    incident: object = None
    suppressed: SuppressedAlert | None = None
    recovered: bool = False


# --- keeping monitors in step ------------------------------------------------------------------


def sync_monitors() -> dict:
    """Creates the missing monitors: platform components in use and every active connection of a
    provider that has a check. Existing monitors keep their admin edits."""
    created = sum(_ensure_platform(*row) for row in PLATFORM if _platform_in_use(row[0]))
    connections = Connection.objects.filter(is_active=True, provider__in=CONNECTION_CHECKS, health_monitor__isnull=True)
    for connection in connections.select_related("tenant"):
        created += _ensure_connection(connection)
    return {"created": created}


def _platform_in_use(key) -> bool:
    if key == "redis":
        return settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://"))
    return True


def _ensure_platform(key, name, kind, check_name) -> bool:
    _, created = HealthMonitor.objects.get_or_create(
        key=key, defaults={"name": name, "kind": kind, "check_name": check_name, "is_platform": True}
    )
    return created


def _ensure_connection(connection) -> bool:
    _, created = HealthMonitor.objects.get_or_create(
        key=f"connection:{connection.pk}",
        defaults={
            "name": f"{connection.get_provider_display()}: {connection.name} ({connection.tenant.slug})",
            "kind": Kind.CONNECTION,
            "check_name": CONNECTION_CHECKS[connection.provider],
            "connection": connection,
            "tenant": connection.tenant,
            "is_platform": connection.tenant.slug in settings.HEALTH_PLATFORM_TENANTS,
        },
    )
    return created


# --- running -----------------------------------------------------------------------------------


def due_monitors(only=None):
    """Enabled monitors whose connection (if any) is active; `only` matches a key, check or kind.
    Without `only`, monitors of a check that runs from its own job (`own_job`) are left out."""
    monitors = (
        HealthMonitor.objects.filter(enabled=True)
        .exclude(connection__is_active=False)
        .select_related("connection", "tenant")
    )
    if only:
        monitors = monitors.filter(key=only) | monitors.filter(check_name=only) | monitors.filter(kind=only)
    else:
        monitors = monitors.exclude(check_name__in=checks.own_job_names())
    return list(monitors.order_by("-is_platform", "kind", "name"))


def run_monitors(*, only=None, now=None) -> list[Outcome]:
    """Runs every due monitor; one that cannot be recorded is logged and the others still run."""
    sync_monitors()
    outcomes = []
    for monitor in due_monitors(only):
        try:
            outcomes.append(run_monitor(monitor, now=now))
        except DatabaseError as exc:
            db_outages.record(exc, "health monitors")
            raise  # nothing else can be recorded either
        except Exception:
            logger.exception("health monitor %s could not be run", monitor.key)
    return outcomes


def outcome_counts(outcomes) -> dict:
    """What a run of monitors did, as a job run records it."""
    return {
        "monitors": len(outcomes),
        "failing": sum(not o.result.ok for o in outcomes),
        "incidents": len({o.incident.pk for o in outcomes if o.incident and not o.recovered}),
        "suppressed": sum(o.suppressed is not None for o in outcomes),
        "recovered": sum(o.recovered for o in outcomes),
    }


def run_monitor(monitor, *, now=None) -> Outcome:
    """Runs the monitor's check (outside any transaction: it may wait on the network), then
    records the result and acts on it."""
    check = (
        checks.run(monitor.check_name, connection=monitor.connection)
        if monitor.connection_id
        else checks.run(monitor.check_name, tenant=monitor.tenant)
    )
    now = now or timezone.now()
    with transaction.atomic():
        monitor = _locked(monitor)
        result, previous = _record(monitor, check, now), monitor.state
        _count(monitor, check, now)
        outcome = Outcome(monitor, result)
        if check.status == checks.FAIL and monitor.state == State.DOWN:
            _on_down(outcome, check, now)
        elif check.status == checks.PASS and previous == State.DOWN:
            _on_recovery(outcome, now)
    return outcome


def _locked(monitor) -> HealthMonitor:
    """The row locked, so two overlapping runs count each failure once."""
    rows = HealthMonitor.objects.select_for_update(of=("self",)).select_related("connection", "tenant")
    return rows.get(pk=monitor.pk)


def _record(monitor, check, now) -> MonitorResult:
    return MonitorResult.objects.create(
        monitor=monitor,
        status=check.status,
        ok=check.ok,
        latency_ms=check.latency_ms,
        value=_jsonable(check.value),
        detail=check.detail,
        at=now,
    )


def _count(monitor, check, now):
    if check.status == checks.FAIL:
        monitor.consecutive_failures += 1
        monitor.state = (
            State.DOWN if monitor.consecutive_failures >= settings.HEALTH_FAILURE_THRESHOLD else State.FAILING
        )
    elif check.status == checks.PASS:
        monitor.consecutive_failures, monitor.state, monitor.last_ok_at = 0, State.HEALTHY, now
    monitor.last_checked_at, monitor.last_detail, monitor.last_latency_ms = now, check.detail, check.latency_ms
    monitor.save()


def _jsonable(value):
    return json.loads(json.dumps(value, default=str))


# --- failing and recovering ----------------------------------------------------------------------


def severity_for(monitor) -> str:
    """sev1 for a platform component (database, broker, workers, the platform's own Chatwoot);
    sev2 for the AI provider (a fallback answers); sev3 for one tenant's connection."""
    if monitor.kind == Kind.AI_PROVIDER:
        return "sev2"
    return "sev1" if monitor.is_platform else "sev3"


def _on_down(outcome, check, now):
    monitor = outcome.monitor
    title = f"{monitor.name} failing health checks"
    outcome.suppressed = _hold(monitor, title, check, now)
    if outcome.suppressed:
        return
    signals.monitor_down.send(HealthMonitor, outcome=outcome, title=title, check=check, now=now)
    emit(
        "HEALTH_CHECK_FAILED",
        tenant=_event_tenant(monitor),
        source="health.monitors",
        incident=outcome.incident,
        message=f"{monitor.name}: {check.detail}",
        meta=_meta(monitor, check),
    )


def _hold(monitor, title, check, now):
    window = maintenance.active_window(monitor, now)
    if window is None:
        return None
    return maintenance.record_suppression(
        window,
        SuppressedAlert.Source.MONITOR,
        monitor.dedup_key,
        title,
        monitor=monitor,
        at=now,
        detail={"check": check.name, "detail": check.detail, "consecutive_failures": monitor.consecutive_failures},
    )


def _on_recovery(outcome, now):
    monitor, outcome.recovered = outcome.monitor, True
    incident = monitor.incident if monitor.incident_id and monitor.incident.is_open else None
    emit(
        "HEALTH_CHECK_RECOVERED",
        tenant=_event_tenant(monitor),
        source="health.monitors",
        incident=incident,
        message=f"{monitor.name} is healthy again",
        meta={"monitor": monitor.key, "kind": monitor.kind},
    )
    if incident is not None:
        outcome.incident = incident
        signals.monitor_recovered.send(HealthMonitor, outcome=outcome, now=now)


def _event_tenant(monitor):
    return None if monitor.is_platform else monitor.tenant


def _meta(monitor, check):
    return {
        "monitor": monitor.key,
        "kind": monitor.kind,
        "check": check.name,
        "detail": check.detail,
        "consecutive_failures": monitor.consecutive_failures,
        "latency_ms": check.latency_ms,
        "connection": str(monitor.connection_id) if monitor.connection_id else None,
    }


# --- housekeeping ------------------------------------------------------------------------------


def purge_results(now=None) -> int:
    cutoff = (now or timezone.now()) - timedelta(days=settings.HEALTH_RESULT_RETENTION_DAYS)
    deleted, _ = MonitorResult.objects.filter(at__lt=cutoff).delete()
    return deleted


def known_names() -> list[str]:
    """What `--only` accepts: monitor keys, check names and kinds of the enabled monitors."""
    monitors = HealthMonitor.objects.filter(enabled=True)
    return sorted(
        {
            *monitors.values_list("key", flat=True),
            *monitors.values_list("check_name", flat=True),
            *monitors.values_list("kind", flat=True),
        }
    )


def update_monitor(monitor, *, actor=None, request=None, **fields) -> HealthMonitor:
    """An operator renames, enables/disables or (un)marks a monitor as a platform component."""
    allowed = {"name", "enabled", "is_platform"}
    unknown = set(fields) - allowed
    if unknown:
        raise ServiceError(
            f"Only {', '.join(sorted(allowed))} can be changed on a monitor, not {', '.join(sorted(unknown))}.",
            "invalid_field",
        )
    before = {key: getattr(monitor, key) for key in fields}
    with transaction.atomic():
        for key, value in fields.items():
            setattr(monitor, key, value)
        monitor.save(update_fields=list(fields))
        audit.record(
            "health_monitor.changed", actor=actor, request=request, target=monitor, before=before, after=fields
        )
    return monitor
