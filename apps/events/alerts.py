"""Alert rule evaluation: compute the metric, decide the observed state, require `consecutive`
agreeing evaluations before the state changes, and record every evaluation.

A rate taken over fewer outcomes than the rule's `min_volume` is no data: it keeps the state. A
rule that goes critical opens an incident with the runbook and components of its metric; when
the failures behind it (the events of those components in the window) all come from one tenant,
it is that tenant's incident (sev3, titled with the tenant), not a platform-wide one."""
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.events import components, emit, metrics
from apps.events.alert_models import AlertEvaluation, AlertRule, AlertState, Comparison
from apps.events.models import SystemEvent
from apps.incidents.models import DetectionMethod, Severity


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
    return Reading(metrics.compute(rule.metric, window, now, params), metrics.volume(rule.metric, window, now, params),
                   rule.min_volume)


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
            rule=rule, evaluated_at=now, value=reading.value, volume=reading.volume, observed_state=observed,
            state_after=new, transitioned=transitioned,
        )
    if transitioned:
        _announce_transition(rule, old, new, reading.value)
    elif new == AlertState.CRITICAL and _incident_owed(rule):
        _open_incident(rule, reading.value)
    return evaluation


def _announce_transition(rule, old, new, value):
    incident = _open_incident(rule, value) if new == AlertState.CRITICAL else None
    emit("ALERT_RULE_TRANSITION", message=f"{rule.name}: {old} → {new} ({value})",
         meta={"rule_id": rule.pk, "rule": rule.name, "metric": rule.metric, "from": old, "to": new,
               "value": value, "priority": rule.priority},
         source="events.alerts", incident=incident)


@dataclass(frozen=True)
class Scope:
    dedup_key: str
    title: str
    tenant_ids: list
    severity: str


def dedup_key(rule, tenant_id=None):
    return f"alert:{rule.pk}:tenant:{tenant_id}" if tenant_id else f"alert:{rule.pk}"


def failing_tenants(rule, now) -> tuple[list, bool]:
    """The tenants whose events of the rule's components fall in its window, and whether
    platform events (no tenant) are among them."""
    codes = components.codes_of(components.of_metric(rule.metric, rule.params))
    rows = SystemEvent.objects.filter(code__in=codes, occurred_at__gte=now - timedelta(minutes=rule.window_minutes),
                                      occurred_at__lte=now).order_by().values_list("tenant_id", flat=True).distinct()
    found = set(rows)
    return sorted(found - {None}), None in found


def scope_of(rule, now) -> Scope:
    from apps.tenants.models import Tenant

    tenant_ids, platform = failing_tenants(rule, now)
    if len(tenant_ids) == 1 and not platform:
        tenant = Tenant.objects.get(pk=tenant_ids[0])
        return Scope(dedup_key(rule, tenant.pk), f"Alert: {rule.name} — {tenant.name}", tenant_ids, Severity.SEV3)
    severity = Severity.SEV1 if rule.priority.upper() == "P1" else Severity.SEV2
    return Scope(dedup_key(rule), f"Alert: {rule.name}", tenant_ids, severity)


def _open_incident(rule, value):
    """The rule's incident, or None while a maintenance window holds it back."""
    if _held_by_maintenance(rule, value):
        return None
    from apps.incidents import runbooks
    from apps.incidents.services import open_or_join

    scope = scope_of(rule, rule.last_evaluated_at)
    incident, _ = open_or_join(scope.dedup_key, title=scope.title, codes=["ALERT_RULE_TRANSITION"],
                               tenant_ids=scope.tenant_ids, severity=scope.severity,
                               detection_method=DetectionMethod.ALERT_RULE, now=rule.last_evaluated_at,
                               runbook=runbooks.slug_for_metric(rule.metric, rule.params),
                               components=components.of_metric(rule.metric, rule.params))
    return incident


def _incident_owed(rule):
    """A rule that turned critical inside a maintenance window and is still critical once the window
    is over gets its incident then: the window delays the alert, it does not cancel it."""
    from apps.health.models import SuppressedAlert
    from apps.incidents.models import Incident

    key = dedup_key(rule)
    mine = Q(dedup_key=key) | Q(dedup_key__startswith=f"{key}:")
    if rule.changed_at is None or Incident.objects.filter(mine, detected_at__gte=rule.changed_at).exists():
        return False
    return SuppressedAlert.objects.filter(source="alert_rule", dedup_key=key, last_at__gte=rule.changed_at).exists()


def _held_by_maintenance(rule, value):
    """Inside a platform-wide maintenance window the rule opens no incident; the hold is recorded."""
    from apps.health import maintenance

    return maintenance.hold("alert_rule", dedup_key(rule), f"Alert: {rule.name}",
                            detail={"rule_id": rule.pk, "metric": rule.metric, "value": value},
                            at=rule.last_evaluated_at)


def evaluate_all(now=None):
    """Evaluates every enabled rule; returns counts for the job's WorkerRun."""
    now = now or timezone.now()
    result = {"evaluated": 0, "transitions": 0, "no_data": 0}
    for rule in AlertRule.objects.filter(enabled=True):
        evaluation = evaluate(rule, now)
        result["evaluated"] += 1
        result["transitions"] += evaluation.transitioned
        result["no_data"] += not evaluation.observed_state
    return result
