"""The platform bot's updates on the real pipeline (PostgreSQL, a Redis of the test's own and a
real Celery worker): a Redis outage delays updates and loses none; a handler that keeps failing
ends dead-lettered with the platform bot's code and can be replayed."""

import pytest
from django.test import Client

from apps.events.models import SystemEvent
from apps.integrations.jobs import sweep_inbox
from apps.integrations.models import InboundEvent
from apps.platform_bot import callbacks
from tests.integrations.services import OwnRedis, Worker, publishing_to, wait_until

DANA = 5550001


@pytest.fixture
def redis():
    server = OwnRedis().start()
    yield server
    server.stop()


@pytest.fixture
def worker_for(bot_api):
    started = []

    def start(broker_url):
        env = {
            "TELEGRAM_BOT_TOKEN": bot_api.token,
            "TELEGRAM_API_BASE_URL": bot_api.url,
            "TELEGRAM_WEBHOOK_SECRET": "s3cret-platform_webhook",
        }
        started.append(Worker(broker_url, **env).start())

    yield start
    for worker in started:
        worker.stop()


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_updates_posted_while_redis_is_down_are_answered_once_it_returns(bot_api, redis, worker_for):
    client = Client()
    redis.stop()
    with publishing_to(redis.url):
        answers = [bot_api.deliver(bot_api.text_update(bot_api.user(DANA), "/help"), client=client) for _ in range(3)]
    assert [answer.status_code for answer in answers] == [200] * 3
    assert InboundEvent.objects.filter(provider="platform_bot", status="received").count() == 3
    assert bot_api.sent(DANA) == []

    redis.start()
    worker_for(redis.url)
    InboundEvent.objects.update(received_at=InboundEvent.objects.first().received_at.replace(year=2020))
    with publishing_to(redis.url):
        assert sweep_inbox()["enqueued"] == 3
    wait_until(lambda: InboundEvent.objects.filter(status="processed").count() == 3, what="the three updates")
    wait_until(lambda: len(bot_api.sent(DANA)) == 3, what="the three replies")


@callbacks.callback("test-explode")
def _explode(query):
    raise RuntimeError("the handler is broken")


@pytest.mark.django_db
def test_a_press_whose_handler_keeps_failing_is_dead_lettered_then_replayable(bot_api, telegram, settings, staff):
    from apps.integrations.services import replay

    settings.INBOX_RETRY_SCHEDULE = []  # no retry: the first failure dead-letters
    message = bot_api.bot_message(DANA, "x", [("Go", "test-explode:go:1")])

    telegram(bot_api.press_update(bot_api.user(DANA), message, "test-explode:go:1"))
    event = InboundEvent.objects.get()

    assert event.status == "dead_lettered" and "the handler is broken" in event.last_error
    assert SystemEvent.objects.get(code="PLATFORM_BOT_WEBHOOK_DEAD_LETTERED").tenant is None
    assert replay(InboundEvent.objects.filter(pk=event.pk), actor=staff, reason="fixed") == 1
