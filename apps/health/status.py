"""The public status page's content: components and their state and maintenance coming up (the
open incidents' public updates come from `incidents.public`, added by the view). Built only from
public labels: no tenant names, no connection names, no
check details, no incident titles (they are written for operators).

The page speaks for the platform. A tenant's own connection failing (its WAHA server, its PMS, its
token) is that tenant's problem, never a platform outage: tenants' connections to a provider show
"Degraded" only when several tenants fail at once, and an incident of one tenant is not listed."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.utils import timezone

from apps.health import maintenance
from apps.health.models import HealthMonitor, MaintenanceWindow
from apps.integrations.models.connections import Provider

State, Kind = HealthMonitor.State, HealthMonitor.Kind
OPERATIONAL, DEGRADED, OUTAGE, MAINTENANCE, UNKNOWN = "operational", "degraded", "outage", "maintenance", "unknown"
WORDS = {
    OPERATIONAL: "Operational",
    DEGRADED: "Degraded",
    OUTAGE: "Outage",
    MAINTENANCE: "Under maintenance",
    UNKNOWN: "No data yet",
}
RANK = [OPERATIONAL, UNKNOWN, MAINTENANCE, DEGRADED, OUTAGE]
PLATFORM_LABELS = {
    Kind.DATABASE: "Database",
    Kind.REDIS: "Message broker",
    Kind.WORKERS: "Background processing",
    Kind.AI_PROVIDER: "AI answers",
}
# Watched by operators, not something the world uses: never a component of the public page.
INTERNAL = [Kind.BACKUPS]
STATE_TO_PUBLIC = {State.HEALTHY: OPERATIONAL, State.FAILING: DEGRADED, State.DOWN: OUTAGE, State.UNKNOWN: UNKNOWN}


@dataclass
class Component:
    name: str
    status: str = OPERATIONAL
    total: int = 0
    failing: int = 0
    states: list = field(default_factory=list)
    show_counts: bool = True

    @property
    def status_label(self):
        return WORDS[self.status]

    @property
    def summary(self):
        if self.total <= 1 or not self.show_counts:
            return ""
        return f"{self.total - self.failing} of {self.total} operational"


def public_name(monitor) -> str:
    """What the world may call a component: a platform label, or the provider for connections."""
    if monitor.kind != Kind.CONNECTION:
        return PLATFORM_LABELS.get(monitor.kind, monitor.get_kind_display())
    provider = Provider(monitor.provider).label if monitor.provider else "Connections"
    return f"Support desk ({provider})" if monitor.is_platform else f"{provider} connections"


def components(now=None) -> list[Component]:
    now = now or timezone.now()
    in_maintenance = _in_maintenance(now)
    grouped = defaultdict(list)
    monitors = (
        HealthMonitor.objects.filter(enabled=True)
        .exclude(connection__is_active=False)
        .exclude(kind__in=INTERNAL)
        .select_related("connection")
    )
    for monitor in monitors:
        grouped[(not monitor.is_platform, monitor.kind == Kind.CONNECTION, public_name(monitor))].append(monitor)
    return [
        _component(name, rows, in_maintenance, tenant_owned)
        for (tenant_owned, _, name), rows in sorted(grouped.items())
    ]


def _in_maintenance(now):
    """A predicate over monitors: is a window covering it now? (One query for the whole page.)"""
    covering = [window for window in MaintenanceWindow.objects.enabled() if window.covers(now)]
    if any(window.is_platform_wide for window in covering):
        return lambda monitor: True
    ids = {window.monitor_id for window in covering}
    return lambda monitor: monitor.pk in ids


def _component(name, monitors, in_maintenance, tenant_owned) -> Component:
    states = [_public_state(monitor, in_maintenance) for monitor in monitors]
    if tenant_owned:
        return _tenants_component(name, monitors, states)
    failing = sum(state in (DEGRADED, OUTAGE) for state in states)
    return Component(name, status=_worst(states, len(monitors)), total=len(monitors), failing=failing, states=states)


def _tenants_component(name, monitors, states) -> Component:
    """Tenants' connections to one provider: degraded when at least two tenants, and at least half
    of them, fail at once (the provider itself is likely in trouble); otherwise operational, or
    under maintenance when a window announced the work."""
    tenants = {monitor.tenant_id for monitor in monitors}
    failing = {
        monitor.tenant_id for monitor, state in zip(monitors, states, strict=True) if state in (DEGRADED, OUTAGE)
    }
    if len(failing) >= 2 and 2 * len(failing) >= len(tenants):
        return Component(name, status=DEGRADED, total=len(tenants), failing=len(failing), states=states)
    status = MAINTENANCE if MAINTENANCE in states else UNKNOWN if set(states) == {UNKNOWN} else OPERATIONAL
    return Component(name, status=status, total=len(tenants), states=states, show_counts=False)


def _public_state(monitor, in_maintenance):
    if monitor.state != State.HEALTHY and in_maintenance(monitor):
        return MAINTENANCE
    return STATE_TO_PUBLIC[monitor.state]


def _worst(states, total):
    """One tenant's connection down is a degraded provider, not an outage of it."""
    worst = max(states, key=RANK.index, default=UNKNOWN)
    if worst == OUTAGE and total > 1 and states.count(OUTAGE) < total:
        return DEGRADED
    return worst


def overall(items) -> str:
    return max((item.status for item in items), key=RANK.index, default=UNKNOWN)


def upcoming_maintenance(now=None, days=14):
    return [
        {
            "title": window.title,
            "note": window.public_note,
            "starts_at": start,
            "ends_at": end,
            "scope": "All services" if window.is_platform_wide else public_name(window.monitor),
            "in_progress": start <= (now or timezone.now()),
            "recurring": window.recurrence == window.Recurrence.WEEKLY,
        }
        for window, start, end in maintenance.upcoming(now, days)
    ]


def page(now=None) -> dict:
    now = now or timezone.now()
    items = components(now)
    status = overall(items)
    return {
        "components": items,
        "overall": status,
        "overall_label": WORDS[status],
        "maintenance": upcoming_maintenance(now),
        "generated_at": now,
    }
