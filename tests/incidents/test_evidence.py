"""'Resolved' shows the evidence: the incident's codes now against their rate before it began."""

from datetime import timedelta

import pytest

from apps.incidents.services import evidence
from tests.factories import SystemEventFactory
from tests.incidents.factories import T0, at, make_incident

pytestmark = pytest.mark.django_db


def events(tenant, count, when, code="META_SEND_FAIL"):
    SystemEventFactory.create_batch(count, tenant=tenant, code=code, occurred_at=when)


@pytest.fixture
def incident(staff, tenant):
    # A usual rate of 7 a day (0.007 per 10 minutes) in the week before the incident began at T0.
    for day in range(1, 8):
        events(tenant, 1, T0 - timedelta(days=day, hours=1))
    return make_incident(staff, tenants=[tenant])


def test_still_failing_is_not_back_to_baseline(incident, tenant):
    events(tenant, 12, at(55))
    result = evidence.rate_evidence(incident, now=at(60))

    assert result["back_to_baseline"] is False
    row = result["codes"][0]
    assert (row["code"], row["current"], row["baseline"], row["spiking"]) == ("META_SEND_FAIL", 12, 0.01, True)
    assert result["summary"].startswith("Error rate NOT back to baseline (per 10 min): META_SEND_FAIL 12 now")


def test_quiet_again_is_back_to_baseline(incident, tenant):
    events(tenant, 12, at(20))
    result = evidence.rate_evidence(incident, now=at(60))
    assert result["back_to_baseline"] is True
    assert result["summary"].startswith("Error rate back to baseline")


def test_other_tenants_events_do_not_count_for_a_tenants_incident(incident, other_tenant):
    events(other_tenant, 30, at(55))
    assert evidence.rate_evidence(incident, now=at(60))["back_to_baseline"] is True


def test_codes_of_linked_events_count_too(incident, tenant):
    event = SystemEventFactory(tenant=tenant, code="META_TOKEN_EXPIRED", occurred_at=at(1))
    event.incident = incident
    event.save()
    assert evidence.incident_codes(incident) == ["META_SEND_FAIL", "META_TOKEN_EXPIRED"]


def test_an_incident_without_codes_says_there_is_nothing_to_compare(staff):
    result = evidence.rate_evidence(make_incident(staff, codes=()), now=at(5))
    assert result["back_to_baseline"] is None and "no error rate" in result["summary"]


# --- "no data" is not "yes" ----------------------------------------------------------------------


def test_a_code_without_any_event_is_no_data_not_back_to_baseline(staff, tenant):
    result = evidence.judge(make_incident(staff, codes=["PMS_SYNC_FAILED"], tenants=[tenant]), now=at(30))

    assert result["back_to_baseline"] is None and result["summary"].startswith("No data: no PMS_SYNC_FAILED events")
    assert result["codes"][0]["back_to_baseline"] is None


def test_an_incident_whose_only_code_announces_detection_is_no_data(staff):
    SystemEventFactory(tenant=None, code="ALERT_RULE_TRANSITION", occurred_at=at(1))

    result = evidence.judge(make_incident(staff, codes=["ALERT_RULE_TRANSITION"]), now=at(30))

    assert result["back_to_baseline"] is None and result["summary"].startswith("No data")


# --- alert-rule incidents: by the rule's metric ---------------------------------------------------


@pytest.fixture
def probe():
    """A registered rate whose value and volume the test sets."""
    from apps.events import metrics

    reading = {"value": 40.0, "volume": 50}
    metrics.register("probe_failure_rate", "Probe failure rate", "%", volume=lambda w, n, p: reading["volume"])(
        lambda window, now, params: reading["value"]
    )
    yield reading
    metrics.REGISTRY.pop("probe_failure_rate")


@pytest.fixture
def alert_incident(probe):
    from apps.events.alert_models import AlertRule
    from apps.incidents.models import Incident
    from apps.incidents.services import detection

    rule = AlertRule.objects.create(
        name="Probe failures", metric="probe_failure_rate", critical_threshold=10, window_minutes=15, min_volume=20
    )
    detection.evaluate_alert_rule(rule, now=T0)
    return Incident.objects.get(dedup_key=f"alert:{rule.pk}")


def test_an_alert_incident_is_not_over_while_the_rules_metric_breaches(alert_incident, probe):
    result = evidence.judge(alert_incident, now=at(30))

    assert (result["basis"], result["back_to_baseline"]) == ("alert_rule", False)
    assert result["summary"] == ("NOT over: Probe failures is 40% over the last 15 min (critical; critical above 10%).")


def test_an_alert_incident_is_over_once_the_metric_is_inside_its_thresholds(alert_incident, probe):
    probe["value"] = 2.0

    result = evidence.judge(alert_incident, now=at(30))

    assert result["back_to_baseline"] is True and result["summary"].startswith("Over by the rule's measure")


def test_an_alert_incident_with_too_little_volume_is_no_data(alert_incident, probe):
    probe["value"], probe["volume"] = 0.0, 3

    result = evidence.judge(alert_incident, now=at(30))

    assert result["back_to_baseline"] is None
    assert result["summary"] == "No data: only 3 outcome(s) in the last 15 min; Probe failures judges from 20."


# --- monitor incidents: by the monitors' state ----------------------------------------------------


@pytest.fixture
def n8n_monitor(tenant, settings):
    from apps.health import services as health
    from apps.health.models import HealthMonitor
    from tests.fakes.n8n_health import FakeN8nInstance
    from tests.integrations.factories import ConnectionFactory

    settings.HEALTH_HTTP_TIMEOUT, settings.HEALTH_FAILURE_THRESHOLD = 0.5, 2
    with FakeN8nInstance() as n8n:
        ConnectionFactory(tenant=tenant, provider="n8n", settings={"base_url": n8n.url}, secrets={"token": "t"})
        health.sync_monitors()
        yield n8n, HealthMonitor.objects.get(tenant=tenant)


def test_a_monitor_incident_is_judged_by_the_monitors_state(n8n_monitor):
    from apps.health import services as health
    from tests.fakes.n8n_health import OK

    n8n, monitor = n8n_monitor
    n8n.unhealthy()
    health.run_monitor(monitor, now=at(0))
    incident = health.run_monitor(monitor, now=at(5)).incident

    down = evidence.judge(incident, now=at(6))
    assert (down["basis"], down["back_to_baseline"]) == ("monitors", False)
    assert "is down (n8n /healthz answered HTTP 503" in down["summary"]

    n8n.route("GET", "/healthz", OK)
    health.run_monitor(monitor, now=at(10))
    healthy = evidence.judge(incident, now=at(11))
    assert healthy["back_to_baseline"] is True
    assert healthy["summary"].startswith("Over by the monitors: every monitor of this incident is healthy")
