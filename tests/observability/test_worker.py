"""A real Celery worker (prefork) counts its tasks' run times and failures into files of its own
group, and the web's /metrics shows them."""

import pytest

from apps.core import metrics_processes
from tests.integrations.services import OwnRedis, Worker, publishing_to, wait_until
from tests.observability.scrape import scrape

DRAIN = "apps.integrations.tasks.drain_inbox"


@pytest.fixture
def redis():
    server = OwnRedis().start()
    yield server
    server.stop()


@pytest.fixture
def worker(redis, tmp_path, monkeypatch):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    monkeypatch.setenv(metrics_processes.ROLE_VAR, "web")
    process = Worker(redis.url, PROMETHEUS_MULTIPROC_DIR=str(tmp_path)).start()
    yield process
    process.stop()


def task_samples(client, name, **labels):
    return scrape(client).value(name, task=DRAIN, **labels)


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_task_runtimes_and_failures_from_a_real_worker_reach_the_scrape(client, redis, worker):
    with publishing_to(redis.url) as app:
        app.send_task(DRAIN, args=[[]])
        app.send_task(DRAIN, args=[[], "an argument too many"])
    wait_until(
        lambda: task_samples(client, "opsdesk_celery_task_failures_total", exception="TypeError") == 1,
        what="the worker to count the failed task",
    )
    wait_until(
        lambda: task_samples(client, "opsdesk_celery_task_duration_seconds_count", state="success") == 1,
        what="the worker to time the task that worked",
    )
    page = scrape(client)
    (sample,) = [s for s in page.samples("opsdesk_celery_task_failures_total") if s.labels["task"] == DRAIN]
    assert sample.labels["process"].startswith("worker.")
    assert page.value("opsdesk_celery_task_duration_seconds_count", task=DRAIN, state="failure") == 1
