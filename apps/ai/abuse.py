"""Abuse by one end customer: too many AI requests in a short time (a burst over a sliding
window) or the same message again and again. Such a contact gets no AI reply for a while (a
throttle window); the first call of each window emits AI_ABUSE_THROTTLED and opens one ticket for
the tenant to review the conversation.

`decide` is pure over an `AbuseInput`; `check_contact` loads the facts (the contact's AIRequest
rows in the burst window, its `ContactThrottle` row, locked), decides, records and acts. Nothing
lives in process memory, so every web and worker process sees the same throttle."""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from apps.ai.guardrails.normalise import normalise
from apps.ai.models import AIRequest, ContactThrottle
from apps.events import audit, emit
from apps.tickets.models import Channel, Priority

THROTTLED_CODE = "AI_ABUSE_THROTTLED"
BURST, REPEATED, THROTTLED = "burst", "repeated", "throttled"


@dataclass(frozen=True)
class AbuseDecision:
    throttled: bool = False
    reason: str = ""
    kind: str = ""
    until: datetime | None = None
    new_window: bool = False


ALLOWED = AbuseDecision()


@dataclass(frozen=True)
class Thresholds:
    burst_messages: int
    burst_window: timedelta
    repeat_messages: int
    throttle: timedelta

    @classmethod
    def from_settings(cls) -> "Thresholds":
        return cls(
            burst_messages=settings.AI_ABUSE_BURST_MESSAGES,
            burst_window=timedelta(seconds=settings.AI_ABUSE_BURST_WINDOW_S),
            repeat_messages=settings.AI_ABUSE_REPEAT_MESSAGES,
            throttle=timedelta(seconds=settings.AI_ABUSE_THROTTLE_S),
        )


@dataclass(frozen=True)
class AbuseInput:
    now: datetime
    recent_requests: int
    """The contact's AI requests within the burst window, this one included."""
    repeats: int
    """Identical messages in a row, this one included."""
    throttled_until: datetime | None
    thresholds: Thresholds


def decide(facts: AbuseInput) -> AbuseDecision:
    limits = facts.thresholds
    if facts.throttled_until and facts.now < facts.throttled_until:
        return AbuseDecision(
            True,
            f"AI replies to this contact are paused until {_hhmm(facts.throttled_until)}.",
            THROTTLED,
            facts.throttled_until,
        )
    until = facts.now + limits.throttle
    if limits.burst_messages and facts.recent_requests > limits.burst_messages:
        seconds = int(limits.burst_window.total_seconds())
        reason = f"{facts.recent_requests} messages within {seconds} s (more than {limits.burst_messages})."
        return AbuseDecision(True, reason, BURST, until, new_window=True)
    if limits.repeat_messages and facts.repeats >= limits.repeat_messages:
        reason = f"The same message {facts.repeats} times in a row."
        return AbuseDecision(True, reason, REPEATED, until, new_window=True)
    return ALLOWED


def _hhmm(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def digest(text: str) -> str:
    return hashlib.sha256(normalise(text or "").encode()).hexdigest()


def check_contact(tenant, contact_id, text, *, now=None) -> AbuseDecision:
    """The decision for this message of `contact_id`; records it, and on a new throttle window
    emits the event and opens the review ticket (once per window: the row is locked while deciding)."""
    contact_id = (contact_id or "").strip()
    if not contact_id:
        return ALLOWED
    now = now or timezone.now()
    thresholds = Thresholds.from_settings()
    with transaction.atomic():
        state = _locked_state(tenant, contact_id)
        _count_repeat(state, digest(text), now, thresholds)
        decision = decide(
            AbuseInput(
                now,
                _recent_requests(tenant, contact_id, now, thresholds),
                state.repeats,
                state.throttled_until,
                thresholds,
            )
        )
        if decision.new_window:
            _open_window(state, decision, now)
            state.ticket = _review_ticket(tenant, contact_id, decision, now)
        state.save()
    if decision.new_window:
        _announce(tenant, contact_id, decision, state)
    return decision


def _locked_state(tenant, contact_id) -> ContactThrottle:
    ContactThrottle.objects.get_or_create(tenant=tenant, contact_id=contact_id)
    return ContactThrottle.objects.select_for_update().get(tenant=tenant, contact_id=contact_id)


def _count_repeat(state, message_digest, now, thresholds):
    """Identical messages in a row; a pause longer than a throttle window starts the count again."""
    fresh = state.last_message_at is None or now - state.last_message_at > thresholds.throttle
    same = state.last_digest == message_digest and not fresh
    state.repeats = state.repeats + 1 if same else 1
    state.last_digest, state.last_message_at = message_digest, now


def _recent_requests(tenant, contact_id, now, thresholds) -> int:
    start = now - thresholds.burst_window
    earlier = AIRequest.objects.filter(
        tenant=tenant, contact_id=contact_id, created_at__gt=start, created_at__lte=now
    ).count()
    return earlier + 1


def _open_window(state, decision, now):
    state.throttled_at, state.throttled_until = now, decision.until
    state.reason, state.windows = decision.reason[:200], state.windows + 1
    state.repeats = 0


def _review_ticket(tenant, contact_id, decision, now):
    from apps.tickets.services import create_ticket

    body = (
        f"Opsdesk paused AI replies to the contact {contact_id} until {_hhmm(decision.until)}.\n\n"
        f"Why: {decision.reason}\n\n"
        "Review the conversation: if it is a real customer, answer them yourself; if it is spam or an "
        "attempt to misuse your assistant, you may block the contact. AI replies resume by themselves "
        "when the pause ends."
    )
    return create_ticket(
        tenant,
        subject=f"AI replies paused for {contact_id}: please review"[:300],
        body=body,
        priority=Priority.NORMAL,
        channel=Channel.API,
        requester_name="Opsdesk AI abuse detection",
        requester_phone=contact_id[:40],
        tags=("ai-abuse",),
        now=now,
    )


def _announce(tenant, contact_id, decision, state):
    emit(
        THROTTLED_CODE,
        tenant=tenant,
        message=f"AI replies to {contact_id} paused: {decision.reason}",
        meta={
            "contact_id": contact_id,
            "kind": decision.kind,
            "reason": decision.reason,
            "until": decision.until.isoformat(),
            "window": state.windows,
        },
        source="ai.abuse",
        ticket=state.ticket,
    )


def requests_by_tenant(start, end) -> dict[int, int]:
    """AI requests per tenant in [start, end): the volume tenant-abuse detection compares with its baseline."""
    rows = (
        AIRequest.objects.filter(created_at__gte=start, created_at__lt=end)
        .order_by()
        .values("tenant_id")
        .annotate(n=Count("id"))
    )
    return {row["tenant_id"]: row["n"] for row in rows}


def throttled_contacts(tenant_id, since) -> list[dict]:
    """The tenant's contacts whose AI replies were paused since `since`, newest first (evidence)."""
    rows = ContactThrottle.objects.filter(tenant_id=tenant_id, throttled_at__gte=since).order_by("-throttled_at")
    return [
        {
            "contact_id": row.contact_id,
            "reason": row.reason,
            "until": row.throttled_until.isoformat() if row.throttled_until else None,
            "ticket_id": row.ticket_id,
        }
        for row in rows[:20]
    ]


def lift(throttle, *, actor, reason, request=None, now=None) -> ContactThrottle:
    """An operator ends a contact's pause now (a real customer caught by the limits); audited."""
    from apps.tenants.services import require_reason

    reason = require_reason(reason, "a contact's AI pause")
    now = now or timezone.now()
    with transaction.atomic():
        throttle = ContactThrottle.objects.select_for_update().get(pk=throttle.pk)
        if not throttle.throttled_until or throttle.throttled_until <= now:
            return throttle
        before = {"throttled_until": throttle.throttled_until.isoformat(), "reason": throttle.reason}
        throttle.throttled_until, throttle.repeats = now, 0
        throttle.save(update_fields=["throttled_until", "repeats"])
        audit.record(
            "ai.contact_throttle_lifted", actor=actor, tenant=throttle.tenant, target=throttle, reason=reason,
            before=before, after={"throttled_until": now.isoformat()}, request=request,
        )  # fmt: skip
    return throttle
