"""Alert rule evaluation: compute the metric, decide the observed state, require `consecutive`
agreeing evaluations before the state changes, and record every evaluation."""
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from apps.events import emit, metrics
from apps.events.alert_models import AlertEvaluation, AlertRule, AlertState, Comparison
from apps.incidents.models import DetectionMethod


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


def evaluate(rule, now=None):
    now = now or timezone.now()
    value = metrics.compute(rule.metric, timedelta(minutes=rule.window_minutes), now, rule.params)
    old = rule.state
    if value is None:
        observed, new = "", old
    else:
        observed = observed_state(rule, value)
        new = _next_state(rule, observed)
    transitioned = new != old
    with transaction.atomic():
        rule.state = new
        rule.last_value = value
        rule.last_evaluated_at = now
        if transitioned:
            rule.changed_at = now
        rule.save()
        evaluation = AlertEvaluation.objects.create(
            rule=rule, evaluated_at=now, value=value, observed_state=observed,
            state_after=new, transitioned=transitioned,
        )
    if transitioned:
        _announce_transition(rule, old, new, value)
    elif new == AlertState.CRITICAL and _incident_owed(rule):
        _open_incident(rule, value)
    return evaluation


def _announce_transition(rule, old, new, value):
    incident = _open_incident(rule, value) if new == AlertState.CRITICAL else None
    emit("ALERT_RULE_TRANSITION", message=f"{rule.name}: {old} → {new} ({value})",
         meta={"rule_id": rule.pk, "rule": rule.name, "metric": rule.metric, "from": old, "to": new,
               "value": value, "priority": rule.priority},
         source="events.alerts", incident=incident)


def _open_incident(rule, value):
    """The rule's incident, or None while a maintenance window holds it back."""
    if _held_by_maintenance(rule, value):
        return None
    from apps.incidents.services import open_or_join

    incident, _ = open_or_join(f"alert:{rule.pk}", title=f"Alert: {rule.name}", codes=["ALERT_RULE_TRANSITION"],
                               detection_method=DetectionMethod.ALERT_RULE, now=rule.last_evaluated_at)
    return incident


def _incident_owed(rule):
    """A rule that turned critical inside a maintenance window and is still critical once the window
    is over gets its incident then: the window delays the alert, it does not cancel it."""
    from apps.health.models import SuppressedAlert
    from apps.incidents.models import Incident

    key = f"alert:{rule.pk}"
    if rule.changed_at is None or Incident.objects.filter(dedup_key=key, detected_at__gte=rule.changed_at).exists():
        return False
    return SuppressedAlert.objects.filter(source="alert_rule", dedup_key=key, last_at__gte=rule.changed_at).exists()


def _held_by_maintenance(rule, value):
    """Inside a platform-wide maintenance window the rule opens no incident; the hold is recorded."""
    from apps.health import maintenance

    return maintenance.hold("alert_rule", f"alert:{rule.pk}", f"Alert: {rule.name}",
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
        result["no_data"] += evaluation.value is None
    return result
