"""The delivery-failure rule against real sends through a local WAHA: a rate needs its minimum
volume before it is judged, failures from one tenant open that tenant's incident (not a
platform-wide one), and the tenant's WAHA_SEND_FAIL events meet it."""

import itertools

import pytest
from django.utils import timezone

from apps.events import emit
from apps.events.alert_models import AlertRule
from apps.incidents.models import Incident
from apps.incidents.services import detection
from apps.integrations import services as integration_services
from apps.outbound import services as outbound
from tests.factories import TenantFactory
from tests.fakes import serving
from tests.fakes.waha import FakeWaha

pytestmark = pytest.mark.django_db
CONTACTS = (f"4915100{n:06d}" for n in itertools.count())


@pytest.fixture(autouse=True)
def _quick_sends(settings):
    settings.OUTBOUND_HTTP_TIMEOUT_S = settings.OUTBOUND_HTTP_CONNECT_TIMEOUT_S = 0.5
    settings.OUTBOUND_WAHA_INTERVAL_S, settings.OUTBOUND_WAHA_JITTER_S = 0.001, 0.0  # barely paced test sends
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SLACK_WEBHOOK_URL = ""


waha_server = serving(FakeWaha)


@pytest.fixture
def rule():
    return AlertRule.objects.get(metric="message_delivery_failure_rate")


def send(tenant, waha_server, *, sent=0, failed=0):
    """`sent` messages WAHA accepts and `failed` ones it refuses (session stopped: 422, not retried)."""
    connection = tenant.connections.filter(provider="waha").first() or integration_services.create_connection(
        tenant,
        "waha",
        name=f"{tenant.name} WAHA",
        values={"base_url": waha_server.url, "session": "default", "api_key": waha_server.api_key},
    )
    for count, sessions in ((sent, {"default"}), (failed, set())):
        waha_server.sessions = sessions
        for _ in range(count):
            message = outbound.create_message(
                tenant,
                channel="waha",
                to=next(CONTACTS),
                body="Your table is ready.",
                connection=connection,
                approve=True,
            )
            assert outbound.dispatch(message.pk) in ("sent", "failed")


def test_seeded_rate_rules_have_a_minimum_volume():
    minimums = dict(AlertRule.objects.values_list("metric", "min_volume"))
    assert minimums["message_delivery_failure_rate"] == 20 and minimums["webhook_failure_rate"] == 20
    assert minimums["webhook_success_rate"] == 20 and minimums["dead_letters_per_hour"] == 0


def test_one_failed_message_out_of_one_is_no_data_not_critical(rule, tenant, waha_server):
    send(tenant, waha_server, failed=1)

    evaluation = detection.evaluate_alert_rule(rule)

    assert (evaluation.value, evaluation.volume, evaluation.observed_state) == (100.0, 1, "")
    assert evaluation.state_after == "ok" and not Incident.objects.exists()


def test_enough_volume_with_one_tenants_failures_opens_that_tenants_incident(rule, tenant, other_tenant, waha_server):
    send(tenant, waha_server, sent=14, failed=6)
    send(other_tenant, waha_server, sent=5)

    evaluation = detection.evaluate_alert_rule(rule)

    assert (evaluation.volume, evaluation.state_after) == (25, "critical")
    incident = Incident.objects.get(detection_method="alert_rule")
    assert incident.dedup_key == f"alert:{rule.pk}:tenant:{tenant.pk}"
    assert (incident.severity, incident.title) == ("sev3", f"Alert: {rule.name} — {tenant.name}")
    assert list(incident.affected_tenants.all()) == [tenant]
    assert incident.events.filter(code="WAHA_SEND_FAIL").count() == 6
    assert incident.runbook.slug == "outbound-blocked"

    assert emit("WAHA_SEND_FAIL", tenant=tenant).incident_id == incident.pk  # and new ones while it is open
    assert emit("WAHA_SEND_FAIL", tenant=other_tenant).incident_id is None


def test_failures_from_several_tenants_open_a_platform_incident_with_them_all(rule, waha_server):
    tenants = TenantFactory.create_batch(2)
    for tenant in tenants:
        send(tenant, waha_server, sent=8, failed=4)

    detection.evaluate_alert_rule(rule)

    incident = Incident.objects.get(detection_method="alert_rule")
    assert (incident.dedup_key, incident.severity, incident.title) == (
        f"alert:{rule.pk}",
        "sev2",
        f"Alert: {rule.name}",
    )
    assert set(incident.affected_tenants.all()) == set(tenants)
    assert incident.events.filter(code="WAHA_SEND_FAIL").count() == 8


def test_the_minimum_is_set_per_rule(rule, tenant, waha_server):
    rule.min_volume = 0
    rule.save()
    send(tenant, waha_server, failed=1)

    assert detection.evaluate_alert_rule(rule, now=timezone.now()).state_after == "critical"


def test_the_admin_shows_the_minimum_and_each_evaluations_volume(admin_client, rule, tenant, waha_server):
    send(tenant, waha_server, failed=1)
    detection.evaluate_alert_rule(rule)

    page = admin_client.get(f"/admin/events/alertrule/{rule.pk}/change/").content.decode()

    assert "Min volume" in page and 'value="20"' in page
    assert "below the minimum volume (1 of 20)" in page


def test_the_console_judges_the_tenants_alert_incident_by_the_tenants_rate(admin_client, rule, tenant, waha_server):
    send(tenant, waha_server, sent=14, failed=6)
    detection.evaluate_alert_rule(rule)
    incident = Incident.objects.get(detection_method="alert_rule")

    page = admin_client.get(f"/admin/incidents/incident/{incident.pk}/change/").content.decode()

    assert f"NOT over: {rule.name} for {tenant.slug} is 30% over the last 60 min (critical;" in page
    assert f"<td>{rule.name} ({tenant.slug})</td><td>30%</td><td>20 (judged from 20)</td><td>critical</td>" in page
