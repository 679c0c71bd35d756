"""The reliability tests' batch variants, on the real PostgreSQL (threads, each with its own
connection), a real Redis and a real Celery worker: the frequency cap and the token bucket hold
under 20 concurrent batch dispatchers (and with single dispatches beside them), a token expiry seen
by concurrent batches pauses the connection once, a worker killed mid-batch leaves its sends to
the sweeper (never sent twice), and messages approved while Redis is down go out when it returns."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.events.models import SystemEvent
from apps.integrations import services as integration_services
from apps.outbound import services
from apps.outbound.models import OutboundMessage, Status
from apps.outbound.services import dispatcher
from tests.fakes.graph import never_answers
from tests.integrations.services import OwnRedis, Worker, publishing_to, wait_until
from tests.outbound.conftest import PHONE
from tests.outbound.test_concurrency import _tasks_wait_in_the_broker, at_once, twenty_queued  # noqa: F401

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
TEMPLATE = {"name": "booking_confirmation", "language": "en_US", "parameters": ["Ada"]}


def sent_by(results):
    return sum(result.results.get(Status.SENT, 0) for result in results)


def test_frequency_cap_holds_under_20_concurrent_batches(tenant, meta, graph, settings):
    settings.OUTBOUND_CONTACT_INTERVAL_S = 0
    services.set_tenant_settings(tenant, frequency_cap=3, frequency_window_s=3600)
    twenty_queued(tenant, meta)
    at_once(dispatcher.run_batch, [(meta.pk,)] * 20)
    assert OutboundMessage.objects.filter(status=Status.SENT).count() == 3
    assert OutboundMessage.objects.filter(status=Status.FREQUENCY_CAPPED).count() == 17
    assert len(graph.sent()) == 3
    assert services.contact_policy(tenant, "whatsapp_cloud", PHONE).window_count == 3


def test_frequency_cap_holds_with_single_dispatches_beside_the_batches(tenant, meta, graph, settings):
    settings.OUTBOUND_CONTACT_INTERVAL_S = 0
    services.set_tenant_settings(tenant, frequency_cap=3, frequency_window_s=3600)
    ids = twenty_queued(tenant, meta)
    at_once(
        lambda job: job(),
        [(lambda pk=pk: services.dispatch(pk),) for pk in ids[:10]] + [(lambda: services.drain(meta.pk),)] * 10,
    )
    assert OutboundMessage.objects.filter(status=Status.SENT).count() == 3 and len(graph.sent()) == 3


def test_the_bucket_holds_under_concurrent_batches(tenant, meta, graph, settings):
    settings.OUTBOUND_META_RATE_PER_S = 5
    twenty_queued(tenant, meta, to=lambda n: f"49151000003{n:02d}")
    results = at_once(dispatcher.run_batch, [(meta.pk,)] * 4)
    assert sent_by(results) == 5 and len(graph.sent()) == 5
    assert OutboundMessage.objects.filter(status=Status.QUEUED).count() == 15


def test_token_expiry_seen_by_concurrent_batches_pauses_once(tenant, meta, graph, settings):
    settings.OUTBOUND_DISPATCH_BATCH = 5
    integration_services.update_connection(meta, values={"access_token": "expired-token"})
    twenty_queued(tenant, meta, to=lambda n: f"49151000001{n:02d}")
    at_once(dispatcher.run_batch, [(meta.pk,)] * 4)
    meta.refresh_from_db()
    assert meta.is_sending_paused
    assert SystemEvent.objects.filter(code="META_TOKEN_EXPIRED").count() == 1
    assert not OutboundMessage.objects.exclude(status=Status.QUEUED).exists()
    assert not SystemEvent.objects.filter(code="META_SEND_FAIL").exists()


@pytest.fixture
def redis():
    server = OwnRedis().start()
    yield server
    server.stop()


@pytest.fixture
def start_worker():
    started = []

    def start(url, **env):
        started.append(Worker(url, **env).start())
        return started[-1]

    yield start
    for worker in started:
        worker.stop()


def approve(tenant, meta, to):
    return services.create_message(
        tenant, channel="whatsapp_cloud", to=to, template=TEMPLATE, connection=meta, approve=True
    ).pk


def test_a_worker_killed_mid_batch_leaves_its_sends_to_the_sweeper_never_sent_twice(
    tenant, meta, graph, redis, start_worker, settings
):
    graph.script(never_answers(60))
    worker = start_worker(redis.url, OUTBOUND_HTTP_TIMEOUT_S=120)
    with publishing_to(redis.url):
        ids = [approve(tenant, meta, f"49151000004{n:02d}") for n in range(5)]
    sending = OutboundMessage.objects.filter(pk__in=ids, status=Status.SENDING)
    wait_until(lambda: sending.count() == 5 and len(graph.sent()) == 5, what="the batch to be sent")
    worker.kill()

    later = timezone.now() + timedelta(seconds=settings.OUTBOUND_SENDING_STUCK_S + 1)
    start_worker(redis.url)
    with publishing_to(redis.url):
        assert services.process_due(now=later)["stuck_failed"] == 5
    failed = OutboundMessage.objects.filter(pk__in=ids, status=Status.FAILED, last_error_code="outcome_unknown")
    assert failed.count() == 5
    assert len(graph.sent()) == 5


def test_messages_approved_while_redis_is_down_go_out_when_it_returns(tenant, meta, graph, redis, start_worker):
    redis.stop()
    with publishing_to(redis.url):
        ids = [approve(tenant, meta, f"49151000005{n:02d}") for n in range(5)]
    assert OutboundMessage.objects.filter(pk__in=ids, status=Status.QUEUED).count() == 5

    redis.start()
    start_worker(redis.url)
    with publishing_to(redis.url):
        assert services.process_due()["due"] == 5
    wait_until(
        lambda: OutboundMessage.objects.filter(pk__in=ids, status=Status.SENT).count() == 5, what="all five to be sent"
    )
    assert sorted(payload["to"] for payload in graph.sent()) == [f"49151000005{n:02d}" for n in range(5)]


def test_a_drain_leaves_a_connection_another_run_is_draining_and_that_run_sends_its_message(tenant, meta, graph):
    with dispatcher.draining(meta.pk) as mine:
        assert mine
        ids = [approve(tenant, meta, "4915100000601")]
        assert at_once(services.drain, [(meta.pk,)]) == [{"busy": 1}]
        assert graph.sent() == []
    assert services.drain(meta.pk) == {Status.SENT: 1}
    assert OutboundMessage.objects.get(pk=ids[0]).status == Status.SENT
