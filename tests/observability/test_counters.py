"""The counters on /metrics move where things happen: a webhook stored or refused, an outbound
message sent, failed or blocked, an AI call, a login that worked, failed or hit the lockout."""

import pytest

from apps.ai.models import AIRequest
from apps.outbound import services as outbound
from apps.outbound.models import Status, Via
from tests.ai.conftest import ai_settings, openai, openrouter  # noqa: F401
from tests.fakes.graph import not_on_whatsapp
from tests.integrations import signing
from tests.integrations.factories import ConnectionFactory
from tests.observability.scrape import grew, scrape
from tests.outbound.conftest import _quick_clients, graph, meta, queued  # noqa: F401

pytestmark = pytest.mark.django_db
PMS_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
RESERVATION = {"type": "reservation.created", "timestamp": "2026-11-25T10:00:00Z", "data": {"reservation_id": "R-1"}}
TEMPLATE = {"name": "booking_confirmation", "language": "en_US", "parameters": ["Ada"]}


def post_pms(client, connection, secret=PMS_SECRET, msg_id="msg_metrics_1"):
    body = signing.body_of(RESERVATION)
    headers = signing.pms_headers(secret, body, msg_id=msg_id)
    return client.post(f"/webhooks/pms/{connection.pk}/", data=body, content_type="application/json", **headers)


def test_webhook_deliveries_stored_duplicate_and_refused_by_provider_and_reason(
    client, tenant, django_capture_on_commit_callbacks
):
    pms = ConnectionFactory(tenant=tenant, provider="pms", secrets={"signing_secret": PMS_SECRET})
    before = scrape(client)
    with django_capture_on_commit_callbacks(execute=True):
        assert post_pms(client, pms).status_code == 200
    assert post_pms(client, pms).status_code == 200
    assert post_pms(client, pms, secret="whsec_" + "QUJD" * 8, msg_id="msg_forged").status_code == 401
    assert client.post("/webhooks/meta/", data=b"{}", content_type="application/json").status_code == 401
    after = scrape(client)

    def deliveries(**labels):
        return grew(before, after, "opsdesk_webhook_deliveries_total", **labels)

    assert deliveries(provider="pms", outcome="stored", reason="new") == 1
    assert deliveries(provider="pms", outcome="stored", reason="duplicate") == 1
    assert deliveries(provider="pms", outcome="refused", reason="bad_signature") == 1
    assert deliveries(provider="meta", outcome="refused", reason="bad_signature") == 1
    assert grew(before, after, "opsdesk_webhook_items_total", provider="pms", result="stored") == 1
    assert grew(before, after, "opsdesk_webhook_items_total", provider="pms", result="duplicate") == 1
    assert grew(before, after, "opsdesk_inbox_processed_total", result="processed") == 1


def test_the_inbox_backlog_is_read_at_scrape_time(client, tenant):
    pms = ConnectionFactory(tenant=tenant, provider="pms", secrets={"signing_secret": PMS_SECRET})
    before = scrape(client).value("opsdesk_inbox_events", status="received")
    post_pms(client, pms)  # tasks run eagerly here: the event is processed at once
    from apps.integrations.models import InboundEvent

    InboundEvent.objects.update(status="received")
    after = scrape(client)
    assert after.value("opsdesk_inbox_events", status="received") == before + 1
    assert after.value("opsdesk_inbox_oldest_event_age_seconds", status="received") >= 0
    assert after.value("opsdesk_scrape_collector_success", collector="inbox") == 1


def test_outbound_sent_failed_and_blocked_by_channel_and_reason(
    client,
    tenant,
    meta,  # noqa: F811
    graph,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    before = scrape(client)
    with django_capture_on_commit_callbacks(execute=True):
        ids = [queued(tenant, meta, to=f"4915100000{n:03d}", template=TEMPLATE).pk for n in range(3)]
        policy = outbound.contact_policy(tenant, "whatsapp_cloud", "4915100000002")
        outbound.opt_out(policy, via=Via.KEYWORD, note="STOP")
        assert outbound.drain(meta.pk) == {Status.SENT: 2, Status.BLOCKED_OPT_OUT: 1}
        graph.script(not_on_whatsapp())
        failing = queued(tenant, meta, to="4915100000009", template=TEMPLATE)
        assert outbound.dispatch(failing.pk) == Status.FAILED
    after = scrape(client)

    def messages(**labels):
        return grew(before, after, "opsdesk_outbound_messages_total", channel="whatsapp_cloud", **labels)

    assert len(ids) == 3
    assert messages(outcome="sent") == 2
    assert messages(outcome="failed", reason="131026") == 1
    blocked = [s for s in after.samples("opsdesk_outbound_messages_total") if s.labels["outcome"] == "blocked"]
    assert messages(outcome="blocked") == 1 and blocked[0].labels["reason"] not in ("", "none")


def test_ai_requests_tokens_cost_and_fallbacks(client, tenant, openrouter, openai):  # noqa: F811
    from apps.ai.services import complete

    question = [{"role": "user", "content": "Is breakfast included?"}]
    before = scrape(client)
    assert complete(tenant, "api", question).outcome == "answered"
    openrouter.always(openrouter.quota())
    openai.always(openai.quota())
    assert complete(tenant, "api", question).fallback
    after = scrape(client)
    assert (
        grew(before, after, "opsdesk_ai_requests_total", feature="api", outcome="answered", provider="openrouter") == 1
    )
    assert grew(before, after, "opsdesk_ai_fallbacks_total", feature="api") == 1
    row = AIRequest.objects.get(outcome="answered")
    assert row.prompt_tokens > 0 and row.cost_usd > 0
    assert grew(before, after, "opsdesk_ai_tokens_total", provider="openrouter", kind="prompt") == row.prompt_tokens
    assert grew(before, after, "opsdesk_ai_tokens_total", provider="openrouter", kind="completion") == 3
    assert grew(before, after, "opsdesk_ai_cost_usd_total", provider="openrouter") == pytest.approx(float(row.cost_usd))
    assert grew(before, after, "opsdesk_ai_request_duration_seconds_count", provider="openrouter") == 1


def test_logins_failures_and_lockouts_by_where(client, people, settings):
    before = scrape(client)
    client.post("/login/", {"username": people.owner.username, "password": people.password})
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/login/", {"username": people.member.username, "password": "wrong"}, REMOTE_ADDR="198.51.100.4")
    after = scrape(client)
    assert grew(before, after, "opsdesk_logins_total", result="success", via="portal") == 1
    assert grew(before, after, "opsdesk_logins_total", result="failure", via="portal") == settings.AXES_FAILURE_LIMIT
    assert grew(before, after, "opsdesk_login_lockouts_total", via="portal") == 1


def test_database_connections_are_read_from_pg_stat_activity(client):
    from django.db import connection

    page = scrape(client)
    if connection.vendor != "postgresql":
        pytest.skip("pg_stat_activity is PostgreSQL's")
    assert page.value("opsdesk_db_connections", state="active") >= 1
    assert page.value("opsdesk_db_connections_max") > 0
    assert page.value("opsdesk_scrape_collector_success", collector="database") == 1


def test_opening_a_database_connection_is_timed(client):
    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("the timing backend wraps PostgreSQL's")
    before = scrape(client)
    fresh = connections.create_connection("default")
    try:
        fresh.ensure_connection()
    finally:
        fresh.close()
    after = scrape(client)
    assert grew(before, after, "opsdesk_db_connect_duration_seconds_count", alias="default") == 1


def test_backup_age_is_nan_without_a_backup(client):
    import math

    page = scrape(client)
    assert math.isnan(page.value("opsdesk_backup_last_success_age_seconds"))
    assert math.isnan(page.value("opsdesk_backup_drill_last_success_timestamp_seconds"))


def test_backup_and_drill_age_come_from_the_last_good_ones(client):
    from datetime import timedelta

    from django.utils import timezone

    from apps.backups.models import Backup, BackupDrill

    now = timezone.now()
    good = dict(storage="default", vendor="postgresql", started_at=now - timedelta(hours=2, minutes=5))
    Backup.objects.create(status="succeeded", finished_at=now - timedelta(hours=2), **good)
    Backup.objects.create(
        status="failed",
        finished_at=now - timedelta(minutes=5),
        storage="default",
        vendor="postgresql",
        started_at=now - timedelta(minutes=6),
    )
    BackupDrill.objects.create(status="passed", started_at=now - timedelta(days=3), finished_at=now - timedelta(days=3))
    page = scrape(client)
    assert page.value("opsdesk_backup_last_success_age_seconds") == pytest.approx(7200, abs=120)
    assert page.value("opsdesk_backup_last_success_timestamp_seconds") == pytest.approx(
        (now - timedelta(hours=2)).timestamp(), abs=1
    )
    assert page.value("opsdesk_backup_drill_last_success_age_seconds") == pytest.approx(3 * 86400, abs=120)


def test_a_reading_past_the_timeout_is_reported_failed_and_the_scrape_goes_on(settings):
    from django.db import connection

    from apps.observability.collectors import InboxCollector, ScrapeCollector, ScrapeTime

    if connection.vendor != "postgresql":
        pytest.skip("statement_timeout is PostgreSQL's")

    class Sleeping(ScrapeCollector):
        name = "sleeping"

        def families(self):
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_sleep(0.5)")
            return []

    settings.METRICS_QUERY_TIMEOUT_MS = 50
    families = {f.name: f for f in ScrapeTime([Sleeping(), InboxCollector()]).collect()}
    success = {s.labels["collector"]: s.value for s in families["opsdesk_scrape_collector_success"].samples}
    assert success == {"sleeping": 0.0, "inbox": 1.0}
    assert "opsdesk_inbox_events" in families
