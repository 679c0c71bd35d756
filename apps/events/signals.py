"""What core reports upwards: slow responses become SLOW_REQUEST events (the Error Center), a key
rotation an audit record."""

from django.dispatch import receiver

from apps.core.signals import rls_violation, secrets_rotated, slow_request
from apps.events import audit, emit
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


@receiver(secrets_rotated, dispatch_uid="events.audit_secrets_rotated")
def audit_secrets_rotated(sender, report, actor_label, **kwargs):
    audit.record("security.connection_key_rotated", actor_label=actor_label, after=report)


@receiver(rls_violation, dispatch_uid="events.record_rls_violation")
def record_rls_violation(sender, table, context, request_id=None, job_id=None, **kwargs):
    """Where it happened, never the row: the runbook's "RLS policy violations" count."""
    emit(
        "RLS_VIOLATION",
        message=f"PostgreSQL refused a write to {table} in the {context} context",
        meta={"table": table, "context": context, "request_id": request_id, "job_id": job_id},
        source="database",
    )
