"""Maintenance windows: which one covers a moment, and holding back alerts while one does.

Detectors ask `hold(...)` before opening an incident: inside a window it records the suppression
(one row per window occurrence and dedup key, counted) and answers True, and the detector opens
nothing. Spikes and alert rules are held by platform-wide windows; a monitor also by its own."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.core.errors import ServiceError
from apps.events import audit
from apps.health.models import HealthMonitor, MaintenanceWindow, SuppressedAlert


def active_window(component=None, at=None) -> MaintenanceWindow | None:
    """The window covering `at` (default now) for `component` (a HealthMonitor, its key, or None
    for platform-wide windows only)."""
    at = at or timezone.now()
    for window in _candidates(component):
        if window.covers(at):
            return window
    return None


def _candidates(component):
    """Platform-wide windows first, then the component's own."""
    windows = MaintenanceWindow.objects.enabled().select_related("monitor")
    monitor_id = _monitor_id(component)
    if monitor_id is None:
        return windows.filter(monitor__isnull=True).order_by("id")
    return windows.filter(Q(monitor__isnull=True) | Q(monitor_id=monitor_id)).order_by(
        F("monitor_id").asc(nulls_first=True), "id"
    )


def _monitor_id(component):
    if component is None:
        return None
    if isinstance(component, HealthMonitor):
        return component.pk
    return HealthMonitor.objects.filter(key=component).values_list("pk", flat=True).first()


def hold(source, dedup_key, title, *, component=None, detail=None, at=None) -> bool:
    """True (and the suppression recorded) when a window covers `at` for `component`."""
    at = at or timezone.now()
    window = active_window(component, at)
    if window is None:
        return False
    record_suppression(window, source, dedup_key, title, monitor=_as_monitor(component), detail=detail, at=at)
    return True


def _as_monitor(component):
    return component if isinstance(component, HealthMonitor) else None


def record_suppression(window, source, dedup_key, title, *, monitor=None, detail=None, at=None) -> SuppressedAlert:
    at = at or timezone.now()
    occurrence_start = window.occurrence_around(at)[0]
    with transaction.atomic():
        row = (
            SuppressedAlert.objects.select_for_update()
            .filter(window=window, source=source, dedup_key=dedup_key, at__gte=occurrence_start)
            .first()
        )
        if row is None:
            return SuppressedAlert.objects.create(
                window=window,
                window_title=window.title,
                source=source,
                dedup_key=dedup_key,
                title=title[:300],
                monitor=monitor,
                detail=detail or {},
                at=at,
                last_at=at,
            )
        row.count, row.last_at, row.detail = row.count + 1, at, detail or row.detail
        row.save(update_fields=["count", "last_at", "detail"])
        return row


def upcoming(now=None, days=14) -> list[tuple[MaintenanceWindow, object, object]]:
    """(window, start, end) of each enabled window's current or next occurrence within `days`."""
    now = now or timezone.now()
    rows = []
    for window in MaintenanceWindow.objects.enabled().select_related("monitor"):
        occurrence = window.occurrence_around(now)
        if occurrence and occurrence[0] <= now + timedelta(days=days):
            rows.append((window, *occurrence))
    return sorted(rows, key=lambda row: row[1])


# --- changing windows (admin and demo) ---------------------------------------------------------


def notice_problem(window, now=None) -> str | None:
    """Why a new one-off window is too short notice, or None. The runbook: emergency maintenance is
    announced an hour ahead (MAINTENANCE_NOTICE_MINUTES), on the status page and to tenants, which
    both list a window from the moment it exists."""
    if window.pk is not None or window.recurrence != MaintenanceWindow.Recurrence.ONE_OFF or not window.starts_at:
        return None
    now = now or timezone.now()
    notice = timedelta(minutes=settings.MAINTENANCE_NOTICE_MINUTES)
    if window.starts_at >= now + notice:
        return None
    earliest = now + notice
    return (
        f"Maintenance must be announced at least {settings.MAINTENANCE_NOTICE_MINUTES} minutes ahead (status page "
        f"and tenants); this window starts {window.starts_at:%Y-%m-%d %H:%M} UTC. Start it at "
        f"{earliest:%Y-%m-%d %H:%M} UTC or later, or give a reason for the short notice."
    )


def save_window(window, *, actor=None, request=None, short_notice_reason="") -> MaintenanceWindow:
    """Validates and saves a new or changed window, audited. Refusals are ServiceErrors; a window
    announced too late needs `short_notice_reason`, which the audit record keeps."""
    try:
        window.full_clean()
    except ValidationError as exc:
        raise ServiceError(" ".join(exc.messages), "invalid_window") from None
    problem = notice_problem(window)
    if problem and not short_notice_reason.strip():
        raise ServiceError(problem, "short_notice")
    created = window.pk is None
    with transaction.atomic():
        window.created_by = window.created_by or _user(actor)
        window.save()
        audit.record(
            "maintenance.created" if created else "maintenance.changed",
            actor=actor,
            request=request,
            target=window,
            after=_audit_fields(window, short_notice_reason if problem else ""),
        )
    return window


def _audit_fields(window, short_notice_reason) -> dict:
    fields = {"schedule": window.schedule_label, "scope": window.scope_label, "enabled": window.enabled}
    return {**fields, "short_notice_reason": short_notice_reason.strip()} if short_notice_reason else fields


def announced(now=None, hours=24) -> list[tuple[MaintenanceWindow, object, object]]:
    """Platform-wide windows running now or starting within `hours`: what tenants are told."""
    now = now or timezone.now()
    return [row for row in upcoming(now, days=hours / 24) if row[0].is_platform_wide]


def delete_window(window, *, actor=None, request=None) -> None:
    with transaction.atomic():
        audit.record(
            "maintenance.deleted",
            actor=actor,
            request=request,
            target=window,
            before={"schedule": window.schedule_label, "scope": window.scope_label},
        )
        window.delete()


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) and getattr(actor, "pk", None) else None
