"""Connections pointed at local fake servers, monitors made by the sync, windows made through the
maintenance service — as production makes them."""

from datetime import UTC, datetime, time, timedelta

from apps.health import maintenance, services
from apps.health.models import HealthMonitor, MaintenanceWindow
from tests.integrations.factories import ConnectionFactory

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday


def at(minutes=0, **kwargs):
    return T0 + timedelta(minutes=minutes, **kwargs)


def connection_to(server, tenant, provider, *, secrets=None, name=None, is_active=True, **settings):
    base = {"graph_base_url": server.url} if provider == "meta" else {"base_url": server.url}
    extra = {"name": name, "is_active": is_active} if name else {"is_active": is_active}
    return ConnectionFactory(tenant=tenant, provider=provider, settings={**base, **settings}, secrets=secrets, **extra)


def monitor_for(connection) -> HealthMonitor:
    services.sync_monitors()
    return HealthMonitor.objects.get(connection=connection)


def platform_monitor(key) -> HealthMonitor:
    services.sync_monitors()
    return HealthMonitor.objects.get(key=key)


def one_off_window(start, end, *, monitor=None, title="Database upgrade", **kwargs) -> MaintenanceWindow:
    return maintenance.save_window(
        MaintenanceWindow(title=title, recurrence="one_off", starts_at=start, ends_at=end, monitor=monitor, **kwargs),
        short_notice_reason="a test's window, placed around its own clock",
    )


def weekly_window(weekday, start, end, *, monitor=None, title="Weekly maintenance", **kwargs) -> MaintenanceWindow:
    return maintenance.save_window(
        MaintenanceWindow(
            title=title,
            recurrence="weekly",
            weekday=weekday,
            start_time=time(*start),
            end_time=time(*end),
            monitor=monitor,
            **kwargs,
        )
    )
