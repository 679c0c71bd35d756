"""Slow responses become SLOW_REQUEST events, so they show up in the Error Center."""

from django.dispatch import receiver

from apps.core.signals import slow_request
from apps.events import emit
from apps.tenants.models import Tenant


@receiver(slow_request, dispatch_uid="events.record_slow_request")
def record_slow_request(sender, request, duration_ms, response=None, **kwargs):
    tenant = getattr(request, "tenant", None)
    emit(
        "SLOW_REQUEST",
        tenant=tenant if isinstance(tenant, Tenant) else None,
        message=f"{request.method} {request.path} took {round(duration_ms)} ms",
        meta={
            "path": request.path,
            "method": request.method,
            "status": getattr(response, "status_code", kwargs.get("status")),
            "duration_ms": round(duration_ms, 1),
        },
        source="middleware",
    )
