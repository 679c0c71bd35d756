"""Times as people read them: every time carries its zone ("2026-12-03 09:44 CET"), and staff see a
tenant's local time beside UTC. The portal renders in the tenant's zone, the admin in UTC; without
a label the same moment reads 09:44 in one and 08:44 in the other."""

import zoneinfo

from django.utils import timezone

FORMATS = {"": "%Y-%m-%d %H:%M", "s": "%Y-%m-%d %H:%M:%S", "time": "%H:%M"}


def zone_label(moment) -> str:
    """CET, UTC, EDT; offsets without a name ("-03") read "UTC-03"."""
    name = moment.tzname() or ""
    return f"UTC{name}" if name[:1] in "+-" else name


def when(value, precision="", zone=None) -> str:
    """The moment in `zone` (default: the active one), with its zone: "2026-12-03 09:44 CET"."""
    if not value:
        return ""
    local = timezone.localtime(value, zone) if timezone.is_aware(value) else value
    return f"{local.strftime(FORMATS.get(precision, FORMATS['']))} {zone_label(local)}".strip()


def tenant_zone(tenant):
    try:
        return zoneinfo.ZoneInfo(getattr(tenant, "timezone", "") or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def with_tenant_time(value, tenant, precision="") -> str:
    """For staff: the moment in the active zone (UTC in the admin) and, when the tenant lives in
    another zone, the tenant's local time beside it: "2026-12-03 08:44 UTC (tenant: 09:44 CET)"."""
    if not value or tenant is None:
        return when(value, precision)
    here, there = timezone.localtime(value), timezone.localtime(value, tenant_zone(tenant))
    if there.utcoffset() == here.utcoffset() and zone_label(there) == zone_label(here):
        return when(value, precision)
    local = (
        when(value, "time", tenant_zone(tenant))
        if there.date() == here.date()
        else when(value, "", tenant_zone(tenant))
    )
    return f"{when(value, precision)} (tenant: {local})"
