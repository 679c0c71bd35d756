"""What the public status page says of incidents: never a title (they are written for operators),
never one tenant's own incident."""

from django.db.models import Count, Q

from apps.incidents.models import Incident

PUBLIC_SEVERITY = {"sev1": "Major outage", "sev2": "Partial outage", "sev3": "Degraded service", "sev4": "Minor issue"}


def shown_publicly(queryset):
    """The incidents of `queryset` the public should hear of: sev1 and sev2 that are not one
    tenant's own (affecting one tenant, or about one tenant's behaviour), and any an operator wrote
    a public update for."""
    platform_wide = ~Q(tenants=1) & Q(subject_tenant__isnull=True)
    return queryset.annotate(tenants=Count("affected_tenants", distinct=True)).filter(
        (Q(severity__in=("sev1", "sev2")) & platform_wide) | ~Q(public_update="")
    )


def is_public(incident) -> bool:
    """Whether the status page speaks of `incident` (open or not): status page subscribers hear of
    exactly these."""
    return shown_publicly(Incident.objects.filter(pk=incident.pk)).exists()


def public_incidents():
    """Open incidents the public should hear of (`shown_publicly`)."""
    rows = shown_publicly(Incident.objects.open())
    return [
        {
            "impact": PUBLIC_SEVERITY.get(incident.severity, "Issue"),
            "status": incident.get_status_display(),
            "started_at": incident.began_at,
            "update": incident.public_update or "We are investigating.",
        }
        for incident in rows.order_by("-detected_at")[:20]
    ]
