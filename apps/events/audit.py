"""The audit log's one way in: `audit.record(...)` for every sensitive action."""

import logging

from django.utils import timezone

from apps.core import context, db_context
from apps.events.models import AuditEvent

logger = logging.getLogger("opsdesk.audit")


@db_context.as_platform
def record(
    action,
    *,
    actor=None,
    tenant=None,
    target=None,
    reason="",
    before=None,
    after=None,
    ip_address=None,
    actor_label="",
    request=None,
):
    """Writes one audit record. Call it inside the same transaction as the change it records."""
    if request is not None:
        actor = actor or _request_user(request)
        ip_address = ip_address or request.META.get("REMOTE_ADDR")
    event = _event(action, actor, tenant, target, reason, before, after, ip_address, actor_label)
    event.save()
    logger.info("audit %s", action, extra={"audit_action": action, "audit_id": event.pk})
    return event


@db_context.as_platform
def record_many(action, targets, *, tenant, actor_label, after) -> None:
    """`record` for one action on many targets (a batch the system made), in one INSERT; `after`
    maps each target's id to what it records."""
    AuditEvent.objects.bulk_create(
        [_event(action, None, tenant, target, "", None, after[target.pk], None, actor_label) for target in targets]
    )
    logger.info("audit %s x%d", action, len(targets), extra={"audit_action": action})


def _event(action, actor, tenant, target, reason, before, after, ip_address, actor_label) -> AuditEvent:
    return AuditEvent(
        occurred_at=timezone.now(),
        actor=actor,
        actor_label=actor_label or _label(actor),
        tenant=tenant,
        tenant_label=tenant.slug if tenant else "",
        action=action,
        target_type=_target_type(target),
        target_id=str(getattr(target, "pk", "") or ""),
        target_label=str(target)[:300] if target is not None else "",
        reason=reason or "",
        before=before or {},
        after=after or {},
        ip_address=ip_address,
        correlation_id=context.current_correlation_id() or "",
    )


def _request_user(request):
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated and getattr(user, "pk", None) else None


def _label(actor):
    if actor is None:
        return "system"
    return getattr(actor, "get_username", lambda: str(actor))()


def _target_type(target):
    if target is None:
        return ""
    meta = getattr(target, "_meta", None)
    return meta.label_lower if meta else type(target).__name__
