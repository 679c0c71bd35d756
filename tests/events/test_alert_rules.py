"""The seeded alert rules, evaluated against metrics the tests register from real SystemEvent rows."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.events import metrics
from apps.events.alert_models import AlertEvaluation, AlertRule
from apps.events.models import SystemEvent
from apps.incidents.models import Incident
from apps.incidents.services import detection
from apps.jobs.registry import get as get_job
from tests.factories import SystemEventFactory

pytestmark = pytest.mark.django_db
NOW = timezone.now().replace(microsecond=0)
SEEDED = {
    "message_delivery_failure_rate",
    "webhook_failure_rate",
    "webhook_success_rate",
    "dead_letters_per_hour",
    "sla_breaches",
    "avg_first_response_minutes",
}
PROBE_CODE = "META_SEND_FAIL"


@pytest.fixture
def probe_metrics():
    """Registers every seeded metric name as "events of PROBE_CODE in the window"; restores after."""
    saved = dict(metrics.REGISTRY)

    def count_in_window(window, now, params):
        return float(
            SystemEvent.objects.filter(code=PROBE_CODE, occurred_at__gte=now - window, occurred_at__lt=now).count()
        )

    for name in SEEDED:
        metrics.register(name, name)(count_in_window)
    yield
    metrics.REGISTRY.clear()
    metrics.REGISTRY.update(saved)


def events_in_window(count, now):
    SystemEventFactory.create_batch(count, code=PROBE_CODE, occurred_at=now - timedelta(minutes=1))


def transitions(rule):
    return list(
        SystemEvent.objects.filter(code="ALERT_RULE_TRANSITION", meta__rule_id=rule.pk)
        .order_by("occurred_at", "id")
        .values_list("meta__to", flat=True)
    )


def seeded_by_other_apps():
    return AlertRule.objects.exclude(metric__in=SEEDED).count()


def test_the_six_rules_are_seeded_with_their_metrics():
    """Other apps seed their own beside these (the AI rules: tests/ai/test_alert_rules.py)."""
    assert set(AlertRule.objects.values_list("metric", flat=True)) >= SEEDED


def value_for(rule, state):
    """A value that puts `rule` in `state` under its own comparison."""
    threshold = rule.critical_threshold if state == "critical" else rule.warning_threshold
    if rule.comparison == "above":
        return int(threshold) + 1
    return int(threshold) - 1


def ok_value(rule):
    return 0 if rule.comparison == "above" else 1000


@pytest.mark.parametrize("metric", sorted(SEEDED))
def test_each_seeded_rule_fires_and_returns_to_ok(probe_metrics, metric):
    rule = AlertRule.objects.get(metric=metric)
    rule.window_minutes = 5
    rule.save()
    expected = []
    moment = NOW
    for state in ("warning", "critical"):
        if getattr(rule, f"{state}_threshold") is None:
            continue
        moment += timedelta(minutes=10)
        events_in_window(value_for(rule, state), moment)
        assert detection.evaluate_alert_rule(rule, now=moment).state_after == state
        expected.append(state)
    moment += timedelta(minutes=10)
    events_in_window(ok_value(rule), moment)

    assert detection.evaluate_alert_rule(rule, now=moment).state_after == "ok"
    rule.refresh_from_db()
    assert rule.state == "ok"
    assert transitions(rule) == expected + ["ok"]


def test_going_critical_opens_one_alert_incident(probe_metrics):
    rule = AlertRule.objects.get(metric="dead_letters_per_hour")
    events_in_window(11, NOW)

    detection.evaluate_alert_rule(rule, now=NOW)
    detection.evaluate_alert_rule(rule, now=NOW + timedelta(seconds=30))

    incident = Incident.objects.get(dedup_key=f"alert:{rule.pk}")
    assert incident.detection_method == "alert_rule"
    assert SystemEvent.objects.get(code="ALERT_RULE_TRANSITION", meta__rule_id=rule.pk).incident == incident


def test_consecutive_two_needs_two_breaching_evaluations(probe_metrics):
    rule = AlertRule.objects.get(metric="sla_breaches")
    rule.consecutive = 2
    rule.save()
    events_in_window(3, NOW)

    first = detection.evaluate_alert_rule(rule, now=NOW)
    second = detection.evaluate_alert_rule(rule, now=NOW + timedelta(seconds=30))

    assert (first.observed_state, first.state_after, first.transitioned) == ("critical", "ok", False)
    assert (second.state_after, second.transitioned) == ("critical", True)
    assert transitions(rule) == ["critical"]


def test_a_recovery_between_breaches_resets_the_streak(probe_metrics):
    rule = AlertRule.objects.get(metric="sla_breaches")
    rule.consecutive = 2
    rule.save()
    events_in_window(3, NOW)
    detection.evaluate_alert_rule(rule, now=NOW)
    detection.evaluate_alert_rule(rule, now=NOW + timedelta(hours=3))  # nothing in this window: ok
    events_in_window(3, NOW + timedelta(hours=6))

    assert detection.evaluate_alert_rule(rule, now=NOW + timedelta(hours=6)).state_after == "ok"


def test_an_unregistered_metric_records_no_value_and_keeps_the_state():
    rule = AlertRule.objects.create(
        name="Ghost", metric="not_registered_anywhere", critical_threshold=1, state="warning"
    )

    evaluation = detection.evaluate_alert_rule(rule, now=NOW)

    rule.refresh_from_db()
    assert (evaluation.value, evaluation.state_after, evaluation.transitioned) == (None, "warning", False)
    assert rule.state == "warning"
    assert transitions(rule) == []


def test_a_metric_returning_none_keeps_the_state(probe_metrics):
    metrics.register("webhook_failure_rate", "no traffic")(lambda window, now, params: None)
    rule = AlertRule.objects.get(metric="webhook_failure_rate")

    assert detection.evaluate_alert_rule(rule, now=NOW).value is None
    assert AlertEvaluation.objects.get(rule=rule).state_after == "ok"


def test_event_count_metric_counts_a_code_in_the_window():
    SystemEventFactory.create_batch(3, code="META_SEND_FAIL", occurred_at=NOW - timedelta(minutes=5))
    SystemEventFactory(code="META_SEND_FAIL", occurred_at=NOW - timedelta(hours=2))

    assert metrics.compute("event_count", timedelta(hours=1), NOW, {"code": "META_SEND_FAIL"}) == 3


def test_rule_validation_rejects_an_unknown_metric():
    with pytest.raises(ValidationError):
        AlertRule(name="Bad", metric="nope", critical_threshold=1).clean()


def test_the_job_evaluates_enabled_rules(probe_metrics):
    AlertRule.objects.filter(metric="sla_breaches").update(enabled=False)

    result = get_job("events.evaluate_alert_rules").func()

    enabled = AlertRule.objects.filter(enabled=True).count()
    assert result["evaluated"] == enabled == len(SEEDED) - 1 + seeded_by_other_apps()
    assert not AlertEvaluation.objects.filter(rule__metric="sla_breaches").exists()


def test_the_admin_lists_rules_with_state_and_shows_evaluations(admin_client, probe_metrics):
    import apps.events.admin_alerts  # noqa: F401  (admin.py imports it too)

    rule = AlertRule.objects.get(metric="sla_breaches")
    events_in_window(2, NOW)
    detection.evaluate_alert_rule(rule, now=NOW)

    listing = admin_client.get("/admin/events/alertrule/")
    page = admin_client.get(f"/admin/events/alertrule/{rule.pk}/change/")

    assert listing.status_code == 200 and "SLA breaches" in listing.content.decode()
    assert page.status_code == 200 and "2.0" in page.content.decode()
