"""Heartbeat checks (healthchecks.io's model): a tenant's scheduled job — an n8n workflow, a cron
job — pings `/ping/<key>` after each run, `/ping/<key>/start` when it starts and
`/ping/<key>/fail` when it failed. A ping is one UPDATE by the unguessable key and nothing else,
so it stays cheap under any schedule; the `health.heartbeats` job does the rest: a check whose
ping is later than its period plus grace is down (HEARTBEAT_MISSED), one that reported a failure
is failed (HEARTBEAT_FAILED), each reported once per trouble and opening or joining the tenant's
heartbeat incident. A later success ping makes it up again."""

import uuid
from datetime import timedelta

from django.db import transaction
from django.db.models import DateTimeField, ExpressionWrapper, F
from django.utils import timezone

from apps.core.errors import ServiceError
from apps.events import audit, emit
from apps.health import signals
from apps.health.models import HeartbeatCheck

S = HeartbeatCheck.Status
PING_STATUS = {"": S.UP, "start": S.STARTED, "fail": S.FAILED}
MIN_PERIOD, MAX_PERIOD = timedelta(minutes=1), timedelta(days=31)


def ping(key, kind="", now=None) -> bool:
    """Records a ping; False when no check has that key (or the kind is unknown)."""
    try:
        key = uuid.UUID(str(key))
    except ValueError:
        return False
    if kind not in PING_STATUS:
        return False
    now = now or timezone.now()
    checks = HeartbeatCheck.objects.filter(ping_key=key)
    if kind == "start":
        return bool(checks.update(status=S.STARTED, last_start_at=now))
    return bool(checks.update(status=PING_STATUS[kind], last_ping_at=now, alerted_at=None))


def due(now):
    """Checks whose ping is overdue (period plus grace after the last one) and not yet reported."""
    deadline = ExpressionWrapper(F("last_ping_at") + F("period") + F("grace"), output_field=DateTimeField())
    return (
        HeartbeatCheck.objects.filter(status__in=[S.UP, S.STARTED], alerted_at__isnull=True)
        .annotate(deadline=deadline)
        .filter(deadline__lt=now)
        .select_related("tenant")
    )


def check_all(now=None) -> dict:
    """Reports each overdue check as missed and each failed one as failed, once per trouble."""
    now = now or timezone.now()
    missed = [_report(check, S.DOWN, "HEARTBEAT_MISSED", now) for check in due(now)]
    failed_checks = HeartbeatCheck.objects.filter(status=S.FAILED, alerted_at__isnull=True).select_related("tenant")
    failed = [_report(check, S.FAILED, "HEARTBEAT_FAILED", now) for check in failed_checks]
    return {"missed": sum(missed), "failed": sum(failed)}


def _report(check, status, code, now) -> bool:
    """Marks the check reported (unless a ping got in first) and emits its event."""
    unchanged = HeartbeatCheck.objects.filter(pk=check.pk, alerted_at__isnull=True, last_ping_at=check.last_ping_at)
    if not unchanged.update(status=status, alerted_at=now):
        return False
    check.status, check.alerted_at = status, now
    last = f"{check.last_ping_at:%Y-%m-%d %H:%M} UTC" if check.last_ping_at else "never"
    what = "reported a failure" if code == "HEARTBEAT_FAILED" else "missed its ping"
    emit(
        code,
        tenant=check.tenant,
        source="health.heartbeats",
        message=f"Heartbeat {check.name!r} {what} (last ping {last}, expected every {check.period}).",
        meta={"heartbeat_id": check.pk},
    )
    signals.heartbeat_trouble.send(sender=HeartbeatCheck, check=check, code=code, now=now)
    return True


@transaction.atomic
def save_check(tenant, *, name, period, grace, actor, check=None) -> HeartbeatCheck:
    """Creates or changes a tenant's check; audited."""
    name = (name or "").strip()
    if not name:
        raise ServiceError("Give the check a name.", code="name_required")
    if not (MIN_PERIOD <= period <= MAX_PERIOD) or not (timedelta(0) < grace <= MAX_PERIOD):
        raise ServiceError(
            "The period must be between 1 minute and 31 days, the grace time positive.", code="bad_period"
        )
    before = _state(check) if check else None
    check = check or HeartbeatCheck(tenant=tenant)
    check.name, check.period, check.grace = name[:100], period, grace
    check.save()
    audit.record("heartbeat.saved", actor=actor, target=check, tenant=tenant, before=before, after=_state(check))
    return check


@transaction.atomic
def delete_check(check, *, actor):
    audit.record("heartbeat.deleted", actor=actor, target=check, tenant=check.tenant, before=_state(check))
    check.delete()


def _state(check):
    return {
        "name": check.name,
        "period_s": int(check.period.total_seconds()),
        "grace_s": int(check.grace.total_seconds()),
    }
