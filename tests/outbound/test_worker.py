"""Dispatch across a real Celery worker on a Redis of the test's own, against the local Graph API
server: approved messages are sent once each, and a 429 comes back through the broker as a
delayed retry that honours Retry-After."""

import pytest

from apps.outbound import services
from apps.outbound.models import OutboundAttempt, OutboundMessage, Status
from tests.fakes.graph import rate_limited
from tests.integrations.services import OwnRedis, Worker, publishing_to, wait_until

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
TEMPLATE = {"name": "booking_confirmation", "language": "en_US", "parameters": ["Ada"]}


@pytest.fixture
def worker_on_own_redis():
    redis = OwnRedis().start()
    worker = Worker(redis.url, OUTBOUND_BACKOFF_BASE_S=1).start()
    yield redis.url
    worker.stop()
    redis.stop()


def approve(tenant, meta, to):
    return services.create_message(
        tenant, channel="whatsapp_cloud", to=to, template=TEMPLATE, connection=meta, approve=True
    )


def test_approved_messages_are_sent_once_each_by_the_worker(tenant, meta, graph, worker_on_own_redis):
    with publishing_to(worker_on_own_redis):
        ids = [approve(tenant, meta, f"4915100000{n:03d}").pk for n in range(5)]

    wait_until(
        lambda: OutboundMessage.objects.filter(pk__in=ids, status=Status.SENT).count() == 5,
        what="five messages to be sent",
    )
    assert sorted(payload["to"] for payload in graph.sent()) == [f"4915100000{n:03d}" for n in range(5)]
    assert OutboundAttempt.objects.filter(message_id__in=ids).count() == 5
    assert all(message.provider_message_id.startswith("wamid.") for message in OutboundMessage.objects.all())


def test_a_429_is_retried_through_the_broker_after_retry_after(tenant, meta, graph, worker_on_own_redis):
    graph.script(rate_limited(retry_after=2))
    with publishing_to(worker_on_own_redis):
        message = approve(tenant, meta, "4915100000999")

    wait_until(lambda: OutboundMessage.objects.get(pk=message.pk).status == Status.SENT, what="the retry to be sent")
    first, second = OutboundAttempt.objects.filter(message=message).order_by("number")
    assert (first.outcome, first.status_code, first.retry_after_s) == ("retryable", 429, 2.0)
    assert second.outcome == "success"
    assert (second.created_at - first.created_at).total_seconds() >= 2.0
    assert len(graph.sent()) == 2
