"""The incident notices banner on every portal page: the latest notice of each open incident that
affects the tenant the page is for."""

from django.db import DatabaseError

from apps.comms.models import TenantNotice
from apps.incidents.models import OPEN_STATUSES

BANNERS = 3


def incident_notices(request):
    tenant = getattr(request, "tenant", None)
    if tenant is None or not request.path.startswith("/dashboard/"):
        return {}
    try:
        rows = list(
            TenantNotice.objects.for_tenant(tenant)
            .filter(incident__status__in=OPEN_STATUSES)
            .order_by("-created_at")[:20]
        )
    except DatabaseError:
        return {}
    latest = {}
    for notice in rows:
        latest.setdefault(notice.incident_id, notice)
    return {"incident_notices": list(latest.values())[:BANNERS]}
