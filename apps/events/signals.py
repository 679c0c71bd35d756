"""What core reports upwards: slow responses and slow queries become SLOW_REQUEST / SLOW_QUERY
events (the Error Center), a database outage counted while it lasted DATABASE_UNAVAILABLE, a key
rotation an audit record."""

from django.dispatch import receiver

from apps.core.signals import database_recovered, rls_violation, secrets_rotated, slow_query, slow_request
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


@receiver(slow_query, dispatch_uid="events.record_slow_query")
def record_slow_query(sender, query, **kwargs):
    held = f" ({query.held_back} more held back since the last report)" if query.held_back else ""
    failed = " and failed" if query.failed else ""
    return emit(
        "SLOW_QUERY",
        tenant=_tenant(query.tenant_id),
        message=f"A query took {round(query.duration_ms)} ms{failed}{held}: {query.sql[:200]}",
        meta={
            "sql": query.sql,
            "duration_ms": query.duration_ms,
            "failed": query.failed,
            "held_back": query.held_back,
            "request_id": query.request_id,
            "job_id": query.job_id,
        },
        source="database",
    )


@receiver(database_recovered, dispatch_uid="events.record_database_unavailable")
def record_database_unavailable(sender, outage, **kwargs):
    where = ", ".join(f"{place} ×{count}" for place, count in sorted(outage.places.items(), key=lambda item: -item[1]))
    event = emit(
        "DATABASE_UNAVAILABLE",
        message=f"{outage.errors} database connection errors over {outage.seconds} s until the database came back",
        meta={
            "errors": outage.errors,
            "first_at": outage.first_at.isoformat(),
            "last_at": outage.last_at.isoformat(),
            "seconds": outage.seconds,
            "where": where[:1000],
            "sample_error": outage.sample,
        },
        source="database",
        occurred_at=outage.last_at,
    )
    return event is not None


def _tenant(tenant_id):
    return Tenant.objects.filter(pk=tenant_id).first() if tenant_id else None


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
