"""Whether database migrations may run now: inside an open platform-wide maintenance window, or
forced with a reason (audited, so the change review can find it)."""

from django.utils import timezone

from apps.core.errors import ServiceError
from apps.events import audit
from apps.health import maintenance


def admit(*, force=False, reason="", now=None) -> str:
    """A sentence saying why migrating is allowed now, or ServiceError saying why not."""
    now = now or timezone.now()
    window = maintenance.active_window(None, now)
    if window is not None:
        audit.record("maintenance.migrated_in_window", actor_label="manage.py", target=window)
        return f"Inside the maintenance window {window.title!r} ({window.schedule_label}): migrating."
    if not force:
        raise ServiceError(f"No platform-wide maintenance window is open now. {_next_window(now)}", "outside_window")
    if not reason.strip():
        raise ServiceError("--force needs --reason: say why the migration cannot wait for the window.", "no_reason")
    audit.record("maintenance.migrated_outside_window", actor_label="manage.py", reason=reason.strip())
    return f"Outside any maintenance window, forced: {reason.strip()}"


def _next_window(now) -> str:
    rows = [row for row in maintenance.upcoming(now, days=14) if row[0].is_platform_wide]
    if not rows:
        return (
            "None is planned in the next 14 days: add one in the admin (Maintenance windows), or use --force --reason."
        )
    window, start, _end = rows[0]
    return f"The next is {window.title!r} at {start:%Y-%m-%d %H:%M} UTC; or use --force --reason."
