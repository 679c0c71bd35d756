"""Demo health data: the monitors (platform components and the demo connections), the weekly
maintenance window from the runbooks (Sundays 02:00–04:00 UTC) and a one-off upgrade of Acme's
Chatwoot next week. Only creates what is missing; runs no check (`manage.py check_health` does)."""

from datetime import time, timedelta

from django.utils import timezone

from apps.health import maintenance, services
from apps.health.models import HealthMonitor, MaintenanceWindow


def seed(out):
    services.sync_monitors()
    made = _weekly() + _chatwoot_upgrade()
    out.write(f"health: {HealthMonitor.objects.count()} monitors, {made} new maintenance window(s)")
    return []


def _weekly():
    if MaintenanceWindow.objects.filter(title="Weekly maintenance").exists():
        return 0
    maintenance.save_window(
        MaintenanceWindow(
            title="Weekly maintenance",
            recurrence="weekly",
            weekday=6,
            start_time=time(2),
            end_time=time(4),
            public_note="Database migrations and upgrades. Messages are queued and delivered afterwards.",
        )
    )
    return 1


def _chatwoot_upgrade():
    monitor = HealthMonitor.objects.filter(
        connection__tenant__slug="acme-hotels", connection__provider="chatwoot"
    ).first()
    if monitor is None or MaintenanceWindow.objects.filter(title="Chatwoot upgrade").exists():
        return 0
    start = (timezone.now() + timedelta(days=7)).replace(hour=6, minute=0, second=0, microsecond=0)
    maintenance.save_window(
        MaintenanceWindow(
            title="Chatwoot upgrade",
            recurrence="one_off",
            monitor=monitor,
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            public_note="Support chat may answer slowly for up to an hour.",
        )
    )
    return 1
