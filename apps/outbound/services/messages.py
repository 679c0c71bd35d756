"""Creating, approving, canceling and retrying outbound messages. Every path that can lead to a
send (API, admin, portal, automation, retry, opt-in unlock) goes through `queue`, which runs the
preflight and stores its verdict; dispatch runs it once more right before the send."""

from django.db import transaction
from django.utils import timezone

from apps.core.errors import ServiceError
from apps.events import audit, codes, emit
from apps.outbound import preflight, states
from apps.outbound.models import OutboundMessage, Source, Status
from apps.outbound.services import policies, splitting, validation
from apps.outbound.services.common import enqueue, locked, who

RETRYABLE = (Status.FAILED, Status.BLOCKED_POLICY, Status.FREQUENCY_CAPPED, Status.BLOCKED_OPT_OUT)


def create_message(
    tenant,
    *,
    channel,
    to,
    body=None,
    template=None,
    kind="transactional",
    created_by=None,
    connection=None,
    approve=False,
    source=Source.API,
    contact_name="",
    stop_on_reply=None,
    created_by_label="",
    automation_run=None,
    is_opt_out_confirmation=False,
    now=None,
) -> OutboundMessage:
    """A draft (or, with `approve`, an approved message that goes on through preflight)."""
    now = now or timezone.now()
    message = _build(tenant, channel, to, body, template, kind, connection, source, contact_name, now)
    user, label = who(created_by, created_by_label)
    message.created_by, message.created_by_label = user, label
    message.automation_run, message.is_opt_out_confirmation = automation_run, is_opt_out_confirmation
    with transaction.atomic():
        policy = policies.contact_policy(tenant, message.channel, message.contact_id, message.contact_name)
        message.stop_on_reply = policy.stop_on_reply if stop_on_reply is None else bool(stop_on_reply)
        message.save()
        audit.record(
            "outbound.created",
            actor=user,
            actor_label=label,
            tenant=tenant,
            target=message,
            after={
                "channel": message.channel,
                "to": message.contact_id,
                "kind": message.kind,
                "source": message.source,
                "template": (message.template or {}).get("name", ""),
            },
        )
        if approve:
            message = approve_message(message, actor=created_by, actor_label=label, now=now)
    return message


def create_parts(tenant, *, channel, body, now=None, **fields) -> list[OutboundMessage]:
    """`create_message` for a text that may be longer than one message of the channel takes: one
    message per part (splitting.split), all or none, created in order with one `now`, so dispatch
    (the oldest due first, then by id) sends them in order."""
    now = now or timezone.now()
    parts = splitting.split(body, validation.MAX_BODY) or [body]
    with transaction.atomic():
        return [create_message(tenant, channel=channel, body=part, now=now, **fields) for part in parts]


def _build(tenant, channel, to, body, template, kind, connection, source, contact_name, now) -> OutboundMessage:
    channel = validation.channel(channel)
    body, template = validation.content(channel, body, template)
    return OutboundMessage(
        tenant=tenant,
        channel=channel,
        connection=validation.connection(tenant, channel, connection),
        contact_id=validation.contact(tenant, channel, to),
        contact_name=(contact_name or "").strip()[:255],
        body=body,
        template=template,
        kind=validation.kind(kind),
        source=source,
        created_at=now,
        updated_at=now,
    )


def approve_message(message, *, actor=None, actor_label="", reason="", request=None, now=None) -> OutboundMessage:
    now = now or timezone.now()
    user, label = who(actor, actor_label)
    with transaction.atomic():
        message = locked(message)
        states.transition(message, Status.APPROVED, now=now, approved_by=user, approved_by_label=label)
        audit.record(
            "outbound.approved",
            actor=user,
            actor_label=label,
            tenant=message.tenant,
            target=message,
            reason=reason,
            request=request,
        )
        return queue(message, now)


def cancel(message, *, actor=None, actor_label="", reason="", request=None, now=None) -> OutboundMessage:
    user, label = who(actor, actor_label)
    with transaction.atomic():
        message = locked(message)
        before = message.status
        states.transition(message, Status.CANCELED, now=now, last_error=f"Canceled by {label}. {reason}".strip())
        audit.record(
            "outbound.canceled",
            actor=user,
            actor_label=label,
            tenant=message.tenant,
            target=message,
            reason=reason,
            before={"status": before},
            after={"status": Status.CANCELED},
            request=request,
        )
    return message


def retry(message, *, actor=None, actor_label="", reason="", request=None, now=None) -> OutboundMessage:
    """Sends a failed, blocked or capped message again, through preflight. A message blocked by an
    opt-out stays blocked while the contact is opted out: retrying it does nothing."""
    now = now or timezone.now()
    user, label = who(actor, actor_label)
    with transaction.atomic():
        message = locked(message)
        _check_retryable(message)
        before = message.status
        audit.record(
            "outbound.retried",
            actor=user,
            actor_label=label,
            tenant=message.tenant,
            target=message,
            reason=reason,
            before={"status": before},
            request=request,
        )
        return queue(message, now)


def _check_retryable(message):
    if message.status not in RETRYABLE:
        raise ServiceError(
            f"Message #{message.pk} is {message.get_status_display().lower()}; only failed, blocked "
            "or capped messages can be retried.",
            "not_retryable",
        )
    if message.status == Status.BLOCKED_OPT_OUT and policies.policy_of(message).opted_out:
        raise ServiceError(
            f"Message #{message.pk}: the contact is still opted out; only an explicit opt-in unlocks it.", "opted_out"
        )


def queue(message, now) -> OutboundMessage:
    """Preflight, then `queued` and handed to dispatch after commit, or the refusal's status."""
    verdict = preflight.check(message, policies.policy_of(message), now)
    if not verdict.allowed:
        return refuse(message, verdict, now)
    states.transition(message, Status.QUEUED, now=now, next_attempt_at=now, round_attempts=0, **_verdict(verdict, now))
    enqueue([message.pk])
    return message


def _verdict(verdict, now) -> dict:
    return {"preflight_code": verdict.code, "preflight_reason": verdict.reason[:500], "preflight_at": now}


def refuse(message, verdict, now) -> OutboundMessage:
    """Stores a refusal: the status it names (or the same status with a fresh verdict), an audit
    record and an event the tenant sees in its Error Center."""
    fields = {**_verdict(verdict, now), "next_attempt_at": verdict.retry_at}
    if verdict.status == Status.CANCELED:
        fields["last_error"] = verdict.reason
    if verdict.status == message.status:
        states.annotate(message, **fields)
    else:
        states.transition(message, verdict.status, now=now, **fields)
    audit.record(
        "outbound.blocked",
        actor_label="preflight",
        tenant=message.tenant,
        target=message,
        reason=verdict.reason,
        after={"status": verdict.status, "code": verdict.code},
    )
    _emit_refusal(message, verdict)
    return message


def _emit_refusal(message, verdict):
    code = verdict.code if codes.get(verdict.code) else "OUTBOUND_BLOCKED"
    emit(
        code,
        tenant=message.tenant,
        source="outbound.preflight",
        message=f"Message #{message.pk} to {message.contact_id} on {message.channel}: {verdict.reason}",
        meta={"outbound_message_id": message.pk, "preflight_code": verdict.code, "status": verdict.status},
    )
