"""The check registry and every check, measuring real things: the test database, the test Redis,
WorkerRun heartbeats, InboundEvent and AutomationRun rows, and providers played by local servers."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.health import checks
from apps.integrations.models import AutomationRun, Bot, InboundEvent
from apps.jobs.models import WorkerRun
from apps.tenants import usage
from tests.fakes.chatwoot import BAD_GATEWAY, silent
from tests.health.factories import connection_to
from tests.integrations.factories import InboundEventFactory

pytestmark = pytest.mark.django_db


# --- the registry --------------------------------------------------------------------------------


def test_every_named_check_is_registered():
    assert set(checks.names()) >= {
        "redis_ping",
        "database_latency",
        "celery_workers",
        "queue_depth",
        "dead_letters_last_hour",
        "stuck_automation_runs",
        "tenant_switches",
        "tenant_usage",
        "connection_chatwoot",
        "connection_waha",
        "connection_meta_token",
        "connection_n8n",
        "connection_pms",
        "ai_provider",
        "tenant_ai_abuse",
    }


@pytest.fixture
def exploding_check():
    @checks.check("test_explodes", "raises, as a broken check would")
    def explodes(*, tenant=None, connection=None):
        raise RuntimeError("disk on fire")

    yield "test_explodes"
    checks._CHECKS.pop("test_explodes")


def test_a_check_that_raises_is_a_failure_carrying_the_error(exploding_check):
    result = checks.run(exploding_check)

    assert (result.status, result.detail) == ("fail", "RuntimeError: disk on fire")
    assert result.latency_ms is not None


def test_an_unknown_check_name_is_skipped_with_the_known_names():
    result = checks.run("no_such_check")

    assert result.status == "skip"
    assert "no_such_check" in result.detail and "database_latency" in result.detail


def test_a_tenant_check_without_a_tenant_says_it_needs_one():
    assert checks.run("tenant_switches").detail == "needs a tenant: this check is about one tenant"


def test_a_tenant_without_the_needed_connection_gets_a_skip_that_says_so(tenant):
    result = checks.run("connection_chatwoot", tenant=tenant)

    assert (result.status, result.detail, result.tenant) == ("skip", "tenant has no Chatwoot connection", "alpha")


def test_run_many_runs_platform_checks_once_and_tenant_checks_per_tenant(tenant, other_tenant):
    results = checks.run_many(
        ["database_latency", "tenant_switches", "connection_waha"], tenants=[tenant, other_tenant]
    )

    assert [(r.name, r.tenant) for r in results] == [
        ("database_latency", ""),
        ("tenant_switches", "alpha"),
        ("tenant_switches", "beta"),
        ("connection_waha", "alpha"),
        ("connection_waha", "beta"),
    ]
    assert {r.detail for r in results if r.name == "connection_waha"} == {"tenant has no WAHA connection"}


def test_a_tenant_with_two_connections_fails_when_one_of_them_fails(tenant, chatwoot):
    from tests.fakes.chatwoot import FakeChatwoot

    with FakeChatwoot() as broken:
        broken.down()
        connection_to(chatwoot, tenant, "chatwoot", name="main desk")
        connection_to(broken, tenant, "chatwoot", name="spare desk")

        result = checks.run("connection_chatwoot", tenant=tenant)

    assert result.status == "fail"
    assert "main desk: pass" in result.detail and "spare desk: fail" in result.detail


# --- platform ------------------------------------------------------------------------------------


def test_database_latency_passes_under_the_limit_and_fails_over_it(settings):
    assert checks.run("database_latency").status == "pass"

    settings.HEALTH_DB_LATENCY_MS = 0.0
    result = checks.run("database_latency")
    assert result.status == "fail" and "limit 0 ms" in result.detail


@pytest.mark.services
def test_redis_ping_answers_on_the_test_redis():
    result = checks.run("redis_ping")

    assert result.status == "pass" and result.detail.startswith("PONG in")


def test_redis_ping_fails_when_redis_does_not_answer(settings, unused_port):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{unused_port}/0"
    settings.CELERY_BROKER_IS_EMBEDDED = False

    result = checks.run("redis_ping")

    assert result.status == "fail" and "did not answer PING" in result.detail


def test_redis_ping_on_the_embedded_broker_says_there_is_no_redis(settings):
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_IS_EMBEDDED = True

    result = checks.run("redis_ping")

    assert result.status == "skip" and "embedded filesystem" in result.detail


@pytest.fixture
def with_workers(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.WORKER_HEARTBEAT_MAX_AGE_S = 180


def heartbeat(seconds_ago):
    started = timezone.now() - timedelta(seconds=seconds_ago)
    WorkerRun.objects.create(name="jobs.worker_heartbeat", status=WorkerRun.Status.SUCCEEDED, started_at=started)


def test_celery_workers_fails_without_any_heartbeat(with_workers):
    assert "no worker heartbeat" in checks.run("celery_workers").detail


def test_celery_workers_passes_on_a_fresh_heartbeat_and_fails_on_a_stale_one(with_workers):
    heartbeat(400)
    stale = checks.run("celery_workers")
    heartbeat(20)
    fresh = checks.run("celery_workers")

    assert stale.status == "fail" and "limit 180 s" in stale.detail
    assert fresh.status == "pass" and fresh.value <= 21


def test_queue_depth_fails_on_an_inbound_event_waiting_too_long(settings):
    settings.HEALTH_PENDING_AGE_MAX_S = 600
    InboundEventFactory(status=InboundEvent.Status.PROCESSED, received_at=timezone.now() - timedelta(hours=2))
    assert checks.run("queue_depth").status == "pass"

    InboundEventFactory(status=InboundEvent.Status.FAILED, received_at=timezone.now() - timedelta(minutes=30))
    result = checks.run("queue_depth")

    assert result.status == "fail"
    assert 1790 <= result.value["oldest_pending_s"] <= 1810
    assert "backlog older than 600 s" in result.detail


@pytest.mark.services
def test_queue_depth_counts_messages_waiting_in_the_redis_queue(settings):
    from kombu import Connection

    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.HEALTH_QUEUE_DEPTH_MAX = 2
    with Connection(settings.CELERY_BROKER_URL) as conn:
        queue = conn.SimpleQueue("celery")
        queue.clear()
        try:
            for n in range(3):
                queue.put({"n": n})
            result = checks.run("queue_depth")
        finally:
            queue.clear()
            queue.close()

    assert result.status == "fail"
    assert result.value["broker_queue"] == 3 and "queue above 2" in result.detail


def dead_letter(minutes_ago):
    InboundEventFactory(
        status=InboundEvent.Status.DEAD_LETTERED, dead_lettered_at=timezone.now() - timedelta(minutes=minutes_ago)
    )


def test_dead_letters_in_the_last_hour_fail_above_five():
    for _ in range(5):
        dead_letter(10)
    dead_letter(90)
    assert checks.run("dead_letters_last_hour").status == "pass"

    dead_letter(5)
    result = checks.run("dead_letters_last_hour")
    assert (result.status, result.value) == ("fail", 6)


def test_stuck_automation_runs_fail_when_a_run_outlives_the_timeout(settings, tenant):
    settings.N8N_RUN_TIMEOUT_S = 300
    bot = Bot.objects.create(tenant=tenant, name="Concierge", workflow_path="webhook/concierge")
    AutomationRun.objects.create(
        tenant=tenant, bot=bot, status="running", started_at=timezone.now() - timedelta(seconds=60)
    )
    assert checks.run("stuck_automation_runs").status == "pass"

    AutomationRun.objects.create(
        tenant=tenant, bot=bot, status="running", started_at=timezone.now() - timedelta(minutes=9)
    )
    result = checks.run("stuck_automation_runs")
    assert (result.status, result.value) == ("fail", 1)


def test_ai_provider_on_mock_needs_nothing_external():
    from apps.tenants.models import SystemSettings

    SystemSettings.objects.update_or_create(pk=1, defaults={"default_ai_provider": "mock"})

    assert checks.run("ai_provider").status == "pass"


def test_ai_provider_fails_when_a_configured_provider_answers_an_error(settings, fake_server):
    from tests.fakes.server import Reply

    error = {"error": {"message": "The server had an error", "type": "server_error", "param": None, "code": None}}
    fake_server.route("POST", "/v1/chat/completions", Reply(503, error))
    settings.OPENAI_API_KEY, settings.OPENAI_BASE_URL = "sk-test", fake_server.url + "/v1"

    result = checks.run("ai_provider")

    assert result.status == "fail" and "HTTP 503" in result.detail


# --- tenant ----------------------------------------------------------------------------------------


def test_tenant_switches_pass_for_an_active_tenant_and_fail_naming_the_switch(tenant):
    assert checks.run("tenant_switches", tenant=tenant).status == "pass"

    tenant.is_whatsapp_enabled = False
    tenant.save()
    result = checks.run("tenant_switches", tenant=tenant)

    assert result.status == "fail"
    assert result.detail == "WhatsApp is switched off for this account."
    assert result.value["whatsapp"] == "WHATSAPP_DISABLED_TENANT" and result.value["ai"] == "allowed"


def test_tenant_switches_of_a_suspended_tenant_say_so_once(tenant):
    tenant.status = "suspended"
    tenant.save()

    assert checks.run("tenant_switches", tenant=tenant).detail == "The account is suspended."


def test_tenant_usage_fails_when_the_monthly_message_limit_is_reached(tenant):
    usage.increment(tenant, "messages_sent", 999)
    assert checks.run("tenant_usage", tenant=tenant).status == "pass"

    usage.increment(tenant, "messages_sent", 1)
    result = checks.run("tenant_usage", tenant=tenant)

    assert result.status == "fail" and "messages_this_month" in result.detail
    assert result.value["messages_this_month"] == {"used": 1000, "limit": 1000, "percent": 100.0}


# --- connections, against local servers ------------------------------------------------------------


def test_chatwoot_passes_on_rails_health_200_and_fails_on_500(tenant, chatwoot):
    connection = connection_to(chatwoot, tenant, "chatwoot")
    assert checks.run("connection_chatwoot", connection=connection).status == "pass"

    chatwoot.down()
    result = checks.run("connection_chatwoot", connection=connection)

    assert result.status == "fail" and "HTTP 500" in result.detail
    assert chatwoot.health_requests[-1].path == "/rails/health"


def test_chatwoot_that_never_answers_fails_within_the_timeout(tenant, chatwoot):
    chatwoot.down(silent(2))
    connection = connection_to(chatwoot, tenant, "chatwoot")

    result = checks.run("connection_chatwoot", connection=connection)

    assert result.status == "fail" and result.detail == "Chatwoot: no answer within 0.5 s"
    assert result.latency_ms < 1500


def test_chatwoot_behind_a_failing_proxy_fails(tenant, chatwoot):
    chatwoot.down(BAD_GATEWAY)

    assert (
        "HTTP 502"
        in checks.run(
            "connection_chatwoot", tenant=tenant, connection=connection_to(chatwoot, tenant, "chatwoot")
        ).detail
    )


def test_a_connection_nobody_listens_on_fails_with_could_not_connect(tenant, unused_port):
    from apps.integrations.models import Connection

    connection = Connection.objects.create(
        tenant=tenant, provider="n8n", name="gone", settings={"base_url": f"http://127.0.0.1:{unused_port}"}
    )

    assert checks.run("connection_n8n", connection=connection).detail == "n8n: could not connect"


def test_waha_session_working_passes_and_sends_the_api_key(tenant, waha):
    waha.session("default")
    connection = connection_to(waha, tenant, "waha", session="default", secrets={"api_key": "waha-key"})

    result = checks.run("connection_waha", connection=connection)

    assert (result.status, result.value) == ("pass", "WORKING")
    assert waha.requests_to("/api/sessions/default")[0].headers["X-Api-Key"] == "waha-key"


@pytest.mark.parametrize("status", ["SCAN_QR_CODE", "STOPPED", "FAILED", "STARTING"])
def test_waha_session_not_working_fails_naming_its_status(tenant, waha, status):
    waha.session("default", status)
    connection = connection_to(waha, tenant, "waha", session="default", secrets={"api_key": "waha-key"})

    result = checks.run("connection_waha", connection=connection)

    assert result.status == "fail" and f"is {status}, not WORKING" in result.detail


def test_waha_refusing_the_key_or_missing_the_session_fails(tenant, waha):
    waha.session("default")
    wrong_key = connection_to(waha, tenant, "waha", session="default", secrets={"api_key": "wrong"})
    no_session = connection_to(waha, tenant, "waha", session="other", secrets={"api_key": "waha-key"})

    assert "HTTP 401" in checks.run("connection_waha", connection=wrong_key).detail
    assert checks.run("connection_waha", connection=no_session).detail == "WAHA has no session 'other'"


def test_meta_token_valid_passes_with_the_number(tenant, graph):
    graph.number("1065550100")
    connection = connection_to(
        graph, tenant, "meta", phone_number_id="1065550100", secrets={"access_token": "EAAG-valid-token"}
    )

    result = checks.run("connection_meta_token", connection=connection)

    assert result.status == "pass" and result.detail == "token valid for +1 555-0100"
    assert graph.requests_to("/v21.0/1065550100")[0].headers["Authorization"] == "Bearer EAAG-valid-token"


def test_meta_error_190_says_the_token_expired(tenant, graph):
    graph.number("1065550100")
    graph.expire_token()
    connection = connection_to(
        graph, tenant, "meta", phone_number_id="1065550100", secrets={"access_token": "EAAG-valid-token"}
    )

    result = checks.run("connection_meta_token", connection=connection)

    assert result.status == "fail"
    assert result.detail.startswith(
        "access token expired or invalid (Meta error 190/463): Error validating access token"
    )
    assert result.value == {"http_status": 400, "code": 190, "error_subcode": 463}
    assert "EAAG" not in result.detail


def test_meta_unknown_phone_number_is_a_different_failure(tenant, graph):
    connection = connection_to(
        graph, tenant, "meta", phone_number_id="999", secrets={"access_token": "EAAG-valid-token"}
    )

    result = checks.run("connection_meta_token", connection=connection)

    assert result.status == "fail" and "(error 100)" in result.detail


def test_n8n_healthz_passes_and_fails_when_unavailable(tenant, n8n):
    connection = connection_to(n8n, tenant, "n8n", secrets={"token": "n8n-token"})
    assert checks.run("connection_n8n", connection=connection).status == "pass"

    n8n.unhealthy()

    assert "HTTP 503" in checks.run("connection_n8n", connection=connection).detail


def test_pms_health_with_the_key_passes_a_wrong_key_and_maintenance_fail(tenant, pms):
    good = connection_to(pms, tenant, "pms", secrets={"api_key": "pms-key"})
    bad = connection_to(pms, tenant, "pms", secrets={"api_key": "nope"})

    assert checks.run("connection_pms", connection=good).status == "pass"
    assert checks.run("connection_pms", connection=bad).detail == "the PMS refused the API key (HTTP 401)"
    pms.available = False
    assert "HTTP 503" in checks.run("connection_pms", connection=good).detail


def test_a_connection_without_a_base_url_fails_saying_so(tenant):
    from apps.integrations.models import Connection

    connection = Connection.objects.create(tenant=tenant, provider="chatwoot", name="half set up", settings={})

    assert (
        checks.run("connection_chatwoot", connection=connection).detail == "the connection has no base_url configured"
    )
