"""Alert rule evaluation: compute the metric, decide the observed state, require `consecutive`
agreeing evaluations before the state changes, and record every evaluation.

A rate taken over fewer outcomes than the rule's `min_volume` is no data: it keeps the state.
What a critical rule opens (and when a maintenance window holds it) is decided in
`incidents.services.detection`, which runs `evaluate` for every enabled rule."""

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from apps.events import components, metrics
from apps.events.alert_models import AlertEvaluation, AlertState, Comparison
from apps.events.models import SystemEvent


def breaches(rule, value, threshold):
    if threshold is None:
        return False
    return value > threshold if rule.comparison == Comparison.ABOVE else value < threshold


def observed_state(rule, value):
    if breaches(rule, value, rule.critical_threshold):
        return AlertState.CRITICAL
    if breaches(rule, value, rule.warning_threshold):
        return AlertState.WARNING
    return AlertState.OK


def _next_state(rule, observed):
    """Applies the consecutive logic on the rule's pending fields; returns the state after."""
    if observed == rule.state:
        rule.pending_state, rule.pending_count = "", 0
        return rule.state
    if observed == rule.pending_state:
        rule.pending_count += 1
    else:
        rule.pending_state, rule.pending_count = observed, 1
    if rule.pending_count >= rule.consecutive:
        rule.pending_state, rule.pending_count = "", 0
        return observed
    return rule.state


@dataclass(frozen=True)
class Reading:
    value: float | None
    volume: int | None
    min_volume: int

    @property
    def too_little(self):
        return bool(self.min_volume) and self.volume is not None and self.volume < self.min_volume

    @property
    def has_data(self):
        return self.value is not None and not self.too_little


def read(rule, now, params=None) -> Reading:
    """The rule's metric over its window now (read-only); `params` adds to the rule's own."""
    window, params = timedelta(minutes=rule.window_minutes), {**(rule.params or {}), **(params or {})}
    return Reading(
        metrics.compute(rule.metric, window, now, params),
        metrics.volume(rule.metric, window, now, params),
        rule.min_volume,
    )


def evaluate(rule, now=None):
    now = now or timezone.now()
    reading = read(rule, now)
    old = rule.state
    observed = observed_state(rule, reading.value) if reading.has_data else ""
    new = _next_state(rule, observed) if observed else old
    transitioned = new != old
    with transaction.atomic():
        rule.state, rule.last_value, rule.last_evaluated_at = new, reading.value, now
        if transitioned:
            rule.changed_at = now
        rule.save()
        evaluation = AlertEvaluation.objects.create(
            rule=rule,
            evaluated_at=now,
            value=reading.value,
            volume=reading.volume,
            observed_state=observed,
            state_after=new,
            transitioned=transitioned,
        )
    return evaluation


def dedup_key(rule, tenant_id=None):
    return f"alert:{rule.pk}:tenant:{tenant_id}" if tenant_id else f"alert:{rule.pk}"


def failing_tenants(rule, now) -> tuple[list, bool]:
    """The tenants whose events of the rule's components fall in its window, and whether
    platform events (no tenant) are among them."""
    codes = components.codes_of(components.of_metric(rule.metric, rule.params))
    rows = (
        SystemEvent.objects.filter(
            code__in=codes, occurred_at__gte=now - timedelta(minutes=rule.window_minutes), occurred_at__lte=now
        )
        .order_by()
        .values_list("tenant_id", flat=True)
        .distinct()
    )
    found = set(rows)
    return sorted(found - {None}), None in found
