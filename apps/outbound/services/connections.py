"""Pausing and resuming a connection's sending. A pause holds every queued message of the
connection (nothing fails); resuming hands them back to dispatch."""

from django.db import transaction
from django.utils import timezone

from apps.core.errors import ServiceError
from apps.events import audit, emit
from apps.integrations.models import Connection
from apps.outbound import states
from apps.outbound.models import OutboundMessage, Status
from apps.outbound.services.common import enqueue, who


def _pause(connection, reason, now) -> bool:
    """True only for the call that paused it: a conditional UPDATE, so concurrent callers agree."""
    return bool(
        Connection.objects.filter(pk=connection.pk, sending_paused_at__isnull=True).update(
            sending_paused_at=now, sending_paused_reason=reason[:500], updated_at=now
        )
    )


def pause_for_credentials(connection, outcome, now=None) -> bool:
    """Meta rejected the token (code 190): pause, and emit META_TOKEN_EXPIRED once per pause."""
    now = now or timezone.now()
    reason = f"Meta rejected the access token ({outcome.error}). Replace the token, then resume sending."
    if not _pause(connection, reason, now):
        return False
    audit.record(
        "connection.sending_paused",
        actor_label="dispatch",
        tenant=connection.tenant,
        target=connection,
        reason=reason,
        after={"sending_paused_at": now.isoformat()},
    )
    emit(
        "META_TOKEN_EXPIRED",
        tenant=connection.tenant,
        source="outbound.dispatch",
        message=reason,
        meta={
            "connection_id": str(connection.pk),
            "meta_error_code": outcome.error_code,
            "status_code": outcome.status_code,
        },
    )
    return True


def pause_sending(connection, *, actor=None, reason, request=None, now=None) -> Connection:
    reason = _reason(reason)
    user, label = who(actor)
    with transaction.atomic():
        if not _pause(connection, f"Paused by {label}: {reason}", now or timezone.now()):
            raise ServiceError(f"Sending on {connection} is already paused.", "already_paused")
        audit.record(
            "connection.sending_paused",
            actor=user,
            actor_label=label,
            tenant=connection.tenant,
            target=connection,
            reason=reason,
            request=request,
        )
    connection.refresh_from_db()
    return connection


def resume_sending(connection, *, actor=None, reason, request=None, now=None) -> int:
    """Resumes sending and hands the connection's waiting messages to dispatch; returns how many."""
    reason = _reason(reason)
    user, label = who(actor)
    with transaction.atomic():
        row = Connection.objects.select_for_update().get(pk=connection.pk)
        if row.sending_paused_at is None:
            raise ServiceError(f"Sending on {connection} is not paused.", "not_paused")
        before = {"sending_paused_at": row.sending_paused_at.isoformat(), "reason": row.sending_paused_reason}
        Connection.objects.filter(pk=row.pk).update(
            sending_paused_at=None, sending_paused_reason="", updated_at=now or timezone.now()
        )
        audit.record(
            "connection.sending_resumed",
            actor=user,
            actor_label=label,
            tenant=row.tenant,
            target=row,
            reason=reason,
            before=before,
            request=request,
        )
        waiting = list(
            OutboundMessage.objects.filter(connection=row, status=Status.QUEUED).values_list("id", flat=True)
        )
        states.annotate_many(
            waiting, status=Status.QUEUED, next_attempt_at=now or timezone.now(), preflight_code="", preflight_reason=""
        )
        enqueue(waiting)
    connection.refresh_from_db()
    return len(waiting)


def _reason(reason):
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("A reason is required: say why, for the audit log.", "reason_required")
    return reason
