"""The SLA clock of a ticket: due times from its policy, pauses while it waits on the customer,
and the breach sweep. Functions here change the ticket object in memory; services save it."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.events import emit
from apps.tickets import business_hours
from apps.tickets.models import ACTIVE_STATUSES, SlaPolicy, Ticket

logger = logging.getLogger("opsdesk.tickets")

TARGETS = ("first_response", "next_response", "resolution")
TARGET_LABELS = {"first_response": "first response", "next_response": "next response", "resolution": "resolution"}
SWEEP_BATCH = 500


def policy_for(tenant, priority):
    """The plan's own policy for the priority, else the default one; None when neither exists."""
    policies = SlaPolicy.objects.filter(Q(plan_id=tenant.plan_id) | Q(plan__isnull=True), priority=priority)
    return min(policies, key=lambda policy: policy.plan_id is None, default=None)


def schedule_for(ticket) -> business_hours.Schedule:
    policy = ticket.sla_policy
    return policy.schedule(ticket.tenant) if policy else business_hours.AROUND_THE_CLOCK


def start(ticket):
    """Sets the policy and the first-response and resolution due times of a new ticket."""
    ticket.sla_policy = policy_for(ticket.tenant, ticket.priority)
    recompute(ticket)


def recompute(ticket):
    """Due times from the current policy (after a priority change, say), counting from the
    ticket's creation plus the time it spent paused."""
    policy, schedule = ticket.sla_policy, schedule_for(ticket)
    if policy is None:
        ticket.first_response_due_at = ticket.next_response_due_at = ticket.resolution_due_at = None
    else:
        offset = ticket.sla_paused_minutes
        ticket.first_response_due_at = business_hours.add_minutes(
            ticket.created_at, policy.first_response_minutes + offset, schedule
        )
        ticket.resolution_due_at = business_hours.add_minutes(
            ticket.created_at, policy.resolution_minutes + offset, schedule
        )
        if ticket.next_response_started_at:
            ticket.next_response_due_at = business_hours.add_minutes(
                ticket.next_response_started_at, policy.next_response_minutes, schedule
            )
    refresh_next_due(ticket)


def open_dues(ticket) -> dict:
    """Targets neither met nor breached, with their due times."""
    dues = {}
    if ticket.first_response_at is None and not ticket.first_response_breached_at and ticket.first_response_due_at:
        dues["first_response"] = ticket.first_response_due_at
    if ticket.next_response_due_at and not ticket.next_response_breached_at:
        dues["next_response"] = ticket.next_response_due_at
    if ticket.solved_at is None and not ticket.resolution_breached_at and ticket.resolution_due_at:
        dues["resolution"] = ticket.resolution_due_at
    return dues


def refresh_next_due(ticket):
    dues = open_dues(ticket).values()
    ticket.sla_next_due_at = min(dues) if dues and ticket.status in ACTIVE_STATUSES else None


def elapsed_minutes(ticket, now) -> float:
    """SLA minutes since the ticket was opened, without the time it spent paused."""
    until = ticket.sla_paused_at or now
    return max(
        0.0, business_hours.minutes_between(ticket.created_at, until, schedule_for(ticket)) - ticket.sla_paused_minutes
    )


def pause(ticket, now):
    if ticket.sla_paused_at is None:
        ticket.sla_paused_at = now
    refresh_next_due(ticket)


def resume(ticket, now):
    """Ends a pause: the paused SLA minutes push every running target back by as much."""
    if ticket.sla_paused_at is not None:
        schedule = schedule_for(ticket)
        paused = business_hours.minutes_between(ticket.sla_paused_at, now, schedule)
        ticket.sla_paused_minutes += paused
        ticket.sla_paused_at = None
        for target in open_dues(ticket):
            field = f"{target}_due_at"
            setattr(ticket, field, business_hours.add_minutes(getattr(ticket, field), paused, schedule))
    refresh_next_due(ticket)


def responded(ticket, now):
    """An agent's public reply: meets the first response, or the next one."""
    if ticket.first_response_at is None:
        ticket.first_response_at = now
        ticket.first_response_minutes = round(elapsed_minutes(ticket, now), 2)
    ticket.next_response_due_at = ticket.next_response_started_at = None
    refresh_next_due(ticket)


def customer_wrote(ticket, now):
    """A customer's reply after we answered starts the next-response clock (once per wait)."""
    policy = ticket.sla_policy
    if ticket.first_response_at is None or ticket.next_response_due_at is not None:
        return
    ticket.next_response_started_at = now
    if policy is not None:
        ticket.next_response_due_at = business_hours.add_minutes(
            now, policy.next_response_minutes, schedule_for(ticket)
        )
    refresh_next_due(ticket)


def solved(ticket, now):
    ticket.solved_at = now
    ticket.resolution_minutes = round(elapsed_minutes(ticket, now), 2)


def reopened(ticket):
    ticket.solved_at = None
    ticket.resolution_minutes = None


# --- the sweep -------------------------------------------------------------------------------


def soon_cutoff(now):
    return now + timedelta(minutes=settings.TICKET_SLA_SOON_MINUTES)


def mark_breaches(now=None) -> dict:
    """Marks every target past its due time as breached, exactly once per ticket and target:
    each breach is claimed by a conditional UPDATE (… WHERE <target>_breached_at IS NULL), so
    two sweeps running at once emit one SLA_BREACHED event, not two."""
    now = now or timezone.now()
    due = Ticket.objects.filter(status__in=ACTIVE_STATUSES, sla_next_due_at__lte=now).order_by("pk")
    breached = checked = last_pk = 0
    while True:
        ids = list(due.filter(pk__gt=last_pk).values_list("pk", flat=True)[:SWEEP_BATCH])
        if not ids:
            return {"checked": checked, "breached": breached}
        for pk in ids:
            breached += _breach_due_targets(pk, now)
        checked += len(ids)
        last_pk = ids[-1]


def _breach_due_targets(pk, now) -> int:
    ticket = Ticket.objects.select_related("tenant").get(pk=pk)
    count = 0
    for target, due_at in open_dues(ticket).items():
        if due_at <= now and _claim(ticket, target, due_at, now):
            count += 1
    return count


def _claim(ticket, target, due_at, now) -> bool:
    field = f"{target}_breached_at"
    with transaction.atomic():
        claimed = Ticket.objects.filter(pk=ticket.pk, status__in=ACTIVE_STATUSES, **{f"{field}__isnull": True}).update(
            **{field: now}
        )
        if not claimed:
            return False
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        refresh_next_due(locked)
        locked.save(update_fields=["sla_next_due_at"])
        emit(
            "SLA_BREACHED",
            tenant=ticket.tenant,
            ticket=ticket,
            source="tickets.sla",
            message=f"Ticket #{ticket.pk} ({ticket.priority}) missed its {TARGET_LABELS[target]} target",
            meta={
                "ticket_id": ticket.pk,
                "target": target,
                "priority": ticket.priority,
                "due_at": due_at.isoformat(),
                "subject": ticket.subject[:200],
            },
        )
    logger.info("SLA breached", extra={"ticket_id": ticket.pk, "target": target})
    return True


def summary(ticket, now=None) -> str:
    """One line for lists: what is due next and how long is left, or why nothing is."""
    now = now or timezone.now()
    breached = [TARGET_LABELS[t] for t in TARGETS if getattr(ticket, f"{t}_breached_at")]
    prefix = f"breached: {', '.join(breached)}; " if breached else ""
    if ticket.status not in ACTIVE_STATUSES:
        return prefix + ("paused" if ticket.sla_paused_at and ticket.status != "closed" else "stopped")
    dues = open_dues(ticket)
    if not dues:
        return prefix + ("no SLA policy" if ticket.sla_policy_id is None else "targets met")
    target, due_at = min(dues.items(), key=lambda item: item[1])
    minutes = round((due_at - now).total_seconds() / 60)
    left = f"due in {_duration(minutes)}" if minutes >= 0 else f"overdue by {_duration(-minutes)}"
    return f"{prefix}{TARGET_LABELS[target]} {left}"


def _duration(minutes):
    if minutes < 120:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h {minutes % 60} min"
    return f"{minutes // (24 * 60)} d {minutes // 60 % 24} h"
