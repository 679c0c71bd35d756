"""The one function that moves an outbound message from one status to another.

`transition` checks the move against TRANSITIONS, stamps the status's time and writes with a
conditional UPDATE (… WHERE status = the status it read), so an illegal move or a concurrent
change raises and writes nothing. `annotate` and `annotate_many` write everything else on a
message and refuse to touch its status."""

from django.db import transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from apps.core import metrics_prometheus as prom
from apps.core.errors import ServiceError
from apps.outbound.models import OutboundMessage, Status

S = Status
REFUSALS = {S.BLOCKED_OPT_OUT, S.FREQUENCY_CAPPED, S.BLOCKED_POLICY, S.CANCELED}
TRANSITIONS = {
    S.DRAFT: {S.APPROVED, S.CANCELED},
    S.APPROVED: {S.QUEUED} | REFUSALS,
    S.QUEUED: {S.SENDING} | REFUSALS,
    S.SENDING: {S.SENT, S.FAILED, S.QUEUED},
    S.SENT: {S.DELIVERED, S.READ, S.FAILED},
    S.DELIVERED: {S.READ},
    S.READ: set(),
    S.FAILED: {S.QUEUED} | REFUSALS,
    S.BLOCKED_OPT_OUT: {S.QUEUED} | REFUSALS - {S.BLOCKED_OPT_OUT},
    S.FREQUENCY_CAPPED: {S.QUEUED} | REFUSALS - {S.FREQUENCY_CAPPED},
    S.BLOCKED_POLICY: {S.QUEUED} | REFUSALS - {S.BLOCKED_POLICY},
    S.CANCELED: set(),
}
STAMP = {
    S.APPROVED: "approved_at",
    S.QUEUED: "queued_at",
    S.SENDING: "sending_at",
    S.SENT: "sent_at",
    S.DELIVERED: "delivered_at",
    S.READ: "read_at",
    S.FAILED: "failed_at",
    S.BLOCKED_OPT_OUT: "blocked_at",
    S.FREQUENCY_CAPPED: "blocked_at",
    S.BLOCKED_POLICY: "blocked_at",
    S.CANCELED: "canceled_at",
}
FINAL = {S.READ, S.CANCELED}
# What /metrics counts (opsdesk_outbound_messages_total) when a message reaches one of these.
COUNTED = {S.SENT: "sent", S.FAILED: "failed", **{status: "blocked" for status in REFUSALS - {S.CANCELED}}}
PENDING = {S.DRAFT, S.APPROVED, S.QUEUED, S.FREQUENCY_CAPPED}


class IllegalTransition(ServiceError):
    status_code = 409

    def __init__(self, message):
        super().__init__(message, "illegal_transition")


def allowed(current, target) -> bool:
    return target in TRANSITIONS.get(current, set())


def transition(message, target, *, now=None, **fields) -> OutboundMessage:
    if not allowed(message.status, target):
        raise IllegalTransition(f"Message #{message.pk} is {message.status}; it cannot become {target}.")
    now = now or timezone.now()
    values = {"status": target, STAMP[target]: now, "updated_at": timezone.now(), **fields}
    if not OutboundMessage.objects.filter(pk=message.pk, status=message.status).update(**values):
        current = OutboundMessage.objects.filter(pk=message.pk).values_list("status", flat=True).first()
        raise IllegalTransition(f"Message #{message.pk} changed meanwhile (now {current}); nothing was written.")
    for name, value in values.items():
        setattr(message, name, value)
    count_outcomes([message], target)
    return message


def transition_many(messages, target, *, now=None, each=None, **fields) -> None:
    """`transition` for messages that share their status, in one UPDATE. `fields` are written on
    all of them; `each` maps a field to {message id: value} for values that differ. Raises, and the
    caller's transaction rolls back, unless every message moved."""
    messages = list(messages)
    current = {message.status for message in messages}
    if len(current) != 1 or not allowed(*current, target):
        raise IllegalTransition(f"Messages in {sorted(current)} cannot all become {target}.")
    now = now or timezone.now()
    values = {"status": target, STAMP[target]: now, "updated_at": timezone.now(), **fields}
    per_row = {name: _by_id(by_id, OutboundMessage._meta.get_field(name)) for name, by_id in (each or {}).items()}
    values = {name: value for name, value in values.items() if name not in per_row}
    ids = [message.pk for message in messages]
    if OutboundMessage.objects.filter(pk__in=ids, status=current.pop()).update(**values, **per_row) != len(ids):
        raise IllegalTransition(f"Some of messages {ids} changed meanwhile; nothing was written.")
    for message in messages:
        for name, value in {**values, **{name: by_id[message.pk] for name, by_id in (each or {}).items()}}.items():
            if not hasattr(value, "resolve_expression"):
                setattr(message, name, value)
    count_outcomes(messages, target)


def count_outcomes(messages, target) -> None:
    """Counts messages that reached sent, failed or a refusal, once their transaction commits: the
    channel, and why (the provider's error code, or the preflight code of a refusal)."""
    outcome = COUNTED.get(target)
    if outcome is None:
        return
    field = "last_error_code" if target == S.FAILED else "preflight_code"
    labels = [(m.channel, "" if target == S.SENT else getattr(m, field, "")) for m in messages]
    transaction.on_commit(lambda: [_count(channel, outcome, reason) for channel, reason in labels])


def _count(channel, outcome, reason):
    prom.inc(prom.OUTBOUND_MESSAGES, channel=channel, outcome=outcome, reason=reason or "none")


def _by_id(values, field):
    return Case(
        *(When(pk=pk, then=Value(value, output_field=field)) for pk, value in values.items()), default=F(field.name)
    )


def annotate(message, **fields) -> OutboundMessage:
    """Writes fields that are not a status change (a verdict, a hold, the next attempt time)."""
    _not_a_status_change(fields)
    fields["updated_at"] = timezone.now()
    OutboundMessage.objects.filter(pk=message.pk).update(**fields)
    for name, value in fields.items():
        setattr(message, name, value)
    return message


def annotate_many(ids, *, status, **fields) -> int:
    """`annotate` for many messages: writes the fields on those of `ids` that are still in `status`
    (one that moved on meanwhile is left alone); returns how many were written."""
    _not_a_status_change(fields)
    return OutboundMessage.objects.filter(pk__in=list(ids), status=status).update(**fields, updated_at=timezone.now())


def _not_a_status_change(fields):
    if "status" in fields:
        raise IllegalTransition("A status changes only through states.transition(), which checks the move.")
