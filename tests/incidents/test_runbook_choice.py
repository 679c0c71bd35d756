"""Every incident detection opens carries the runbook of what failed — the monitor's component or
provider, the alert rule's metric, the spiking code — not the runbook of the code that announces
detection (HEALTH_CHECK_FAILED claimed "Database slow or down" for every monitor incident)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.events import metrics
from apps.events.alert_models import AlertRule
from apps.health import services as health
from apps.incidents import runbooks
from apps.incidents.models import Incident
from apps.incidents.services import detection
from tests.factories import SystemEventFactory, TenantFactory
from tests.integrations.factories import ConnectionFactory

pytestmark = pytest.mark.django_db
NOW = timezone.now().replace(microsecond=0)

PLATFORM = {
    "database": "database-down",
    "redis": "redis-down",
    "workers": "jobs-failing",
    "ai_provider": "ai-provider-outage",
}
PROVIDERS = {
    "chatwoot": "chatwoot-down",
    "waha": "waha-down",
    "meta": "whatsapp-outbound",
    "n8n": "n8n-down",
    "pms": "pms-down",
}
METRICS = {
    "message_delivery_failure_rate": "outbound-blocked",
    "webhook_failure_rate": "webhook-failures",
    "webhook_success_rate": "webhook-failures",
    "dead_letters_per_hour": "webhook-failures",
    "sla_breaches": "ticket-response",
    "avg_first_response_minutes": "ticket-response",
    "ai_tenant_share": "ai-cost-spike",
    "ai_budget_used": "ai-cost-spike",
    "ai_cost_vs_baseline": "ai-cost-spike",
    "ai_fallback_rate": "ai-provider-outage",
}
SPIKING = {
    "META_SEND_FAIL": "whatsapp-outbound",
    "WAHA_SEND_FAIL": "waha-down",
    "N8N_TRIGGER_FAIL": "n8n-down",
    "N8N_TIMEOUT": "n8n-down",
    "TELEGRAM_SEND_FAIL": "outbound-blocked",
    "PMS_SYNC_FAILED": "pms-down",
    "CHATWOOT_SYNC_FAILED": "chatwoot-sync",
    "AI_FAILURE_FALLBACK_SENT": "ai-provider-outage",
    "WEBHOOK_PROCESSING_FAILED": "webhook-failures",
    "JOB_FAILED": "jobs-failing",
}


@pytest.fixture
def nowhere():
    """A local address nothing listens on: the dependency is gone."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture(autouse=True)
def _quick_health(settings):
    settings.HEALTH_HTTP_TIMEOUT = 0.5
    settings.HEALTH_FAILURE_THRESHOLD = 2
    settings.HEALTH_PLATFORM_TENANTS = []
    settings.SLACK_WEBHOOK_URL = ""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def break_platform(kind, settings, nowhere):
    settings.OPENROUTER_API_KEY = "sk-or-test" if kind == "ai_provider" else ""
    settings.OPENROUTER_BASE_URL, settings.OPENAI_API_KEY = f"{nowhere}/api/v1", ""
    if kind == "database":
        settings.HEALTH_DB_LATENCY_MS = 0.0
    if kind == "redis":
        settings.CELERY_BROKER_URL, settings.CELERY_BROKER_IS_EMBEDDED = f"redis{nowhere[4:]}/0", False
    if kind == "workers":
        settings.CELERY_TASK_ALWAYS_EAGER = False  # and no worker ever sent a heartbeat


def failed_twice(monitor):
    health.run_monitor(monitor, now=NOW)
    return health.run_monitor(monitor, now=NOW + timedelta(minutes=5)).incident


def slugs(incident):
    return [book.slug for book in runbooks.for_incident(incident)]


@pytest.mark.parametrize("kind", sorted(PLATFORM))
def test_a_platform_monitor_incident_gets_its_components_runbook(kind, settings, nowhere):
    break_platform(kind, settings, nowhere)
    health.sync_monitors()
    incident = failed_twice(health.HealthMonitor.objects.get(key=kind))

    assert incident.runbook.slug == PLATFORM[kind]
    assert slugs(incident)[0] == PLATFORM[kind]
    assert kind == "database" or "database-down" not in slugs(incident)


@pytest.mark.parametrize("provider", sorted(PROVIDERS))
def test_a_connection_monitor_incident_gets_its_providers_runbook(provider, tenant, nowhere):
    address = {"graph_base_url": nowhere} if provider == "meta" else {"base_url": nowhere}
    secret = {"meta": "access_token", "waha": "api_key", "chatwoot": "api_token", "pms": "api_key", "n8n": "token"}
    connection = ConnectionFactory(
        tenant=tenant,
        provider=provider,
        settings={**address, "session": "default", "account_id": "1"},
        secrets={secret[provider]: "s3cret"},
    )
    health.sync_monitors()
    incident = failed_twice(health.HealthMonitor.objects.get(connection=connection))

    assert incident.runbook.slug == PROVIDERS[provider]
    assert slugs(incident) == [PROVIDERS[provider]]  # not "Database slow or down"
    assert incident.components == [provider]
    assert runbooks.checks_for(incident)[0] == f"connection_{'meta_token' if provider == 'meta' else provider}"


@pytest.fixture
def breaching_metrics():
    """Every seeded metric reads far past any threshold in either direction, as a registered metric."""
    saved = dict(metrics.REGISTRY)
    for name in METRICS:
        value = 1.0 if AlertRule.objects.get(metric=name).comparison == "below" else 1e6
        metrics.register(name, name)(lambda window, now, params, value=value: value)
    yield
    metrics.REGISTRY.clear()
    metrics.REGISTRY.update(saved)


@pytest.mark.parametrize("metric", sorted(METRICS))
def test_each_seeded_alert_rules_incident_gets_its_metrics_runbook(metric, breaching_metrics):
    rule = AlertRule.objects.get(metric=metric)
    assert runbooks.slug_for_metric(metric) == METRICS[metric]
    if rule.critical_threshold is None:
        pytest.skip(f"{rule.name} only warns: it opens no incident")

    detection.evaluate_alert_rule(rule, now=NOW)

    incident = Incident.objects.get(dedup_key=f"alert:{rule.pk}")
    assert incident.runbook.slug == METRICS[metric]
    assert slugs(incident)[0] == METRICS[metric]


def test_an_alert_on_delivery_failures_gets_the_outbound_runbook_not_webhook_failures(breaching_metrics):
    rule = AlertRule.objects.get(metric="message_delivery_failure_rate")
    detection.evaluate_alert_rule(rule, now=NOW)
    incident = Incident.objects.get(dedup_key=f"alert:{rule.pk}")

    assert slugs(incident) == ["outbound-blocked"]
    assert "outbound_sending" in runbooks.checks_for(incident)


def test_an_event_count_rule_gets_the_runbook_of_the_code_it_counts():
    rule = AlertRule.objects.create(
        name="Token expiries",
        metric="event_count",
        params={"code": "META_TOKEN_EXPIRED"},
        critical_threshold=0,
        window_minutes=60,
    )
    SystemEventFactory(code="META_TOKEN_EXPIRED", occurred_at=NOW - timedelta(minutes=1))

    detection.evaluate_alert_rule(rule, now=NOW)

    assert Incident.objects.get(dedup_key__startswith=f"alert:{rule.pk}").runbook.slug == "whatsapp-outbound"


@pytest.mark.parametrize("code", sorted(SPIKING))
def test_a_spiking_codes_incident_gets_that_codes_runbook(code):
    for tenant in TenantFactory.create_batch(3):
        SystemEventFactory.create_batch(12, tenant=tenant, code=code, occurred_at=NOW - timedelta(minutes=2))

    detection.detect_spikes(now=NOW)

    incident = Incident.objects.get(dedup_key=f"spike:{code}")
    assert incident.runbook.slug == SPIKING[code]
    assert slugs(incident)[0] == SPIKING[code]
    assert "webhook-failures" not in slugs(incident) or SPIKING[code] == "webhook-failures"  # not ERROR_SPIKE's


def test_a_hand_opened_incident_still_finds_runbooks_by_its_codes(staff):
    from tests.incidents.factories import make_incident

    incident = make_incident(staff, codes=["HEALTH_CHECK_FAILED"])

    assert incident.runbook is None and slugs(incident) == ["database-down"]
