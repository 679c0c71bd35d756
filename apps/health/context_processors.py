"""Planned maintenance on every portal page: platform-wide windows running now or starting within
a day, so tenants hear of emergency maintenance at least as early as the status page says it."""

from django.db import DatabaseError

from apps.health import maintenance


def announced_maintenance(request):
    if not request.path.startswith("/dashboard/"):
        return {}
    try:
        rows = maintenance.announced()
    except DatabaseError:
        return {}
    return {"announced_maintenance": [{"window": window, "start": start, "end": end} for window, start, end in rows]}
