"""The pipeline under failure, on the real PostgreSQL, a real Redis and a real Celery worker:
nothing acknowledged is lost, nothing is processed twice."""

import json
import threading
import time

import pytest
import requests
from django.db import connection as db_connection
from django.test import Client

from apps.integrations import services as integration_services
from apps.integrations.jobs import sweep_inbox
from apps.integrations.models import InboundEvent, Reservation
from tests.integrations import signing
from tests.integrations.services import OwnRedis, Worker, publishing_to, wait_until

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
PMS_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


@pytest.fixture
def pms(tenant):
    return integration_services.create_connection(tenant, "pms", secret=PMS_SECRET)


@pytest.fixture
def redis():
    server = OwnRedis().start()
    yield server
    server.stop()


@pytest.fixture
def workers():
    started = []

    def start(broker_url, **env):
        worker = Worker(broker_url, **env).start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def post_pms(client, pms, webhook_id, event_type="test.slow", sleep=0):
    body = json.dumps({"type": event_type, "data": {"reservation_id": webhook_id}, "sleep": sleep}).encode()
    headers = signing.pms_headers(PMS_SECRET, body, msg_id=webhook_id)
    return client.post(f"/webhooks/pms/{pms.pk}/", data=body, content_type="application/json", **headers)


def rows_written(event):
    return Reservation.objects.filter(external_id__startswith=f"run-{event.pk}-").count()


def status_of(webhook_id):
    return InboundEvent.objects.get(external_id=webhook_id).status


def test_same_delivery_posted_20_times_concurrently_is_one_row_and_one_processing(live_server, pms, redis, workers):
    workers(redis.url)
    body = json.dumps({"type": "test.slow", "data": {"reservation_id": "R-20"}}).encode()
    headers = signing.pms_headers(PMS_SECRET, body, msg_id="msg_twenty")
    http_headers = {name[5:].replace("_", "-").title(): value for name, value in headers.items()}
    answers = []

    def deliver():
        answers.append(
            requests.post(
                f"{live_server.url}/webhooks/pms/{pms.pk}/",
                data=body,
                timeout=30,
                headers={**http_headers, "Content-Type": "application/json"},
            ).status_code
        )

    with publishing_to(redis.url):
        threads = [threading.Thread(target=deliver) for _ in range(20)]
        [thread.start() for thread in threads]
        [thread.join() for thread in threads]
    assert answers == [200] * 20
    assert InboundEvent.objects.filter(external_id="msg_twenty").count() == 1
    wait_until(lambda: status_of("msg_twenty") == "processed", what="the worker to process the event")
    event = InboundEvent.objects.get(external_id="msg_twenty")
    assert (event.attempts, rows_written(event)) == (1, 1)


def test_deliveries_made_while_redis_is_down_are_stored_and_processed_when_it_returns(pms, redis, workers):
    client = Client()
    redis.stop()
    with publishing_to(redis.url):
        started = time.monotonic()
        answers = [post_pms(client, pms, f"msg_outage_{n}").status_code for n in range(5)]
        elapsed = time.monotonic() - started
    assert answers == [200] * 5
    assert InboundEvent.objects.filter(status="received").count() == 5
    assert elapsed < 5 * 10, "publishing to a dead broker must not hang the request"

    redis.start()
    workers(redis.url)
    InboundEvent.objects.update(received_at=InboundEvent.objects.first().received_at.replace(year=2020))
    with publishing_to(redis.url):
        assert sweep_inbox()["enqueued"] == 5
    wait_until(lambda: InboundEvent.objects.filter(status="processed").count() == 5, what="all five to be processed")
    assert all(rows_written(event) == 1 for event in InboundEvent.objects.all())


def test_worker_killed_mid_task_leaves_the_event_to_be_processed_once_afterwards(pms, redis, workers, settings):
    client = Client()
    worker = workers(redis.url)
    with publishing_to(redis.url):
        assert post_pms(client, pms, "msg_killed", sleep=30).status_code == 200
    wait_until(lambda: status_of("msg_killed") == "processing", what="the worker to claim the event")
    worker.kill()
    event = InboundEvent.objects.get(external_id="msg_killed")
    assert rows_written(event) == 0

    settings.INBOX_STUCK_AFTER_S = 0
    InboundEvent.objects.filter(pk=event.pk).update(payload={**event.payload, "sleep": 0})
    workers(redis.url)
    with publishing_to(redis.url):
        assert sweep_inbox()["released_stuck"] == 1
    wait_until(lambda: status_of("msg_killed") == "processed", what="the event to be processed after the kill")
    event.refresh_from_db()
    assert (rows_written(event), event.attempts) == (1, 2)
    db_connection.close()


def test_database_that_cannot_store_answers_503_so_the_sender_retries(pms):
    """Another session holds the inbox table; the insert gives up after lock_timeout → 503."""
    import psycopg
    from django.db import connection as django_connection

    from tests.integrations.services import test_database_url

    with psycopg.connect(test_database_url()) as blocker:
        blocker.execute("LOCK TABLE integrations_inboundevent IN ACCESS EXCLUSIVE MODE")
        with django_connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '300ms'")
        response = post_pms(Client(), pms, "msg_blocked", event_type="reservation.created")
        blocker.rollback()
    with django_connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = 0")
    assert response.status_code == 503
    assert response.json()["error"] == "unavailable" and response["Retry-After"]
    assert not InboundEvent.objects.filter(external_id="msg_blocked").exists()
