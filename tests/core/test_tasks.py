"""apps.core.tasks.publish: queues a task, and when the broker does not answer says so and logs
instead of raising."""

import logging
import socket

from apps.core.tasks import publish
from config.celery import app
from tests.integrations.services import publishing_to

ran = []


@app.task(name="tests.core.remember")
def remember(value, twice=False):
    ran.append((value, twice))


def unused_port():
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        return closed.getsockname()[1]


def test_a_published_task_runs():
    ran.clear()
    assert publish(remember, "hello", twice=True) is True
    assert ran == [("hello", True)]


def test_publishing_to_a_broker_that_is_down_returns_false_and_logs(caplog):
    ran.clear()
    with publishing_to(f"redis://127.0.0.1:{unused_port()}/0"), caplog.at_level(logging.WARNING, "opsdesk.tasks"):
        assert publish(remember, 42, countdown=5) is False
    assert ran == []
    assert "could not publish tests.core.remember(42,)" in caplog.text
