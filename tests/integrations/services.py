"""Real services for the reliability tests: a Redis server of the test's own (so it can be
stopped and started without touching anyone else's) and a real Celery worker on it."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from urllib.parse import quote

from django.conf import settings
from django.db import connection

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, timeout=30.0, interval=0.1, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class OwnRedis:
    def __init__(self):
        self.port = free_port()
        self.process = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        binary = shutil.which("redis-server")
        assert binary, "redis-server is not installed"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self.answers, 10, what="redis-server to listen")
        return self

    def stop(self):
        if self.process:
            self.process.kill()
            self.process.wait()
            self.process = None
        wait_until(lambda: not self.answers(), 10, what="redis-server to stop")

    def answers(self):
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
            return True
        except OSError:
            return False


def test_database_url() -> str:
    """The test database as the test body sees it: a worker connects as the app's role too."""
    db = connection.settings_dict
    user = quote(db["USER"], safe="") + (":" + quote(db["PASSWORD"], safe="") if db.get("PASSWORD") else "")
    return f"postgres://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    def __init__(self, broker_url, **env):
        self.broker_url, self.env, self.process = broker_url, env, None

    def start(self):
        env = {
            **os.environ,
            "DATABASE_URL": test_database_url(),
            "CELERY_BROKER_URL": self.broker_url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": ROOT,
            "SLOW_QUERY_MS": "600000",  # lock waits on a loaded test machine are not slow queries
            **{k: str(v) for k, v in self.env.items()},
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.integrations.worker"], cwd=ROOT, env=env, start_new_session=True
        )
        return self

    def kill(self):
        """SIGKILL to the whole worker (main process and pool children), as when a machine dies."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


@contextmanager
def publishing_to(broker_url):
    """Points this process's publishing at `broker_url` (real publishing, not eager). The write URL
    is set because Celery lets the CELERY_BROKER_URL environment variable win over `broker_url`."""
    from config.celery import app

    saved = (app.conf.get("broker_write_url"), app.conf.task_always_eager, settings.CELERY_TASK_ALWAYS_EAGER)
    app.conf.broker_write_url, app.conf.task_always_eager = broker_url, False
    settings.CELERY_TASK_ALWAYS_EAGER = False
    _reset_pools(app)
    try:
        yield app
    finally:
        app.conf.broker_write_url, app.conf.task_always_eager, settings.CELERY_TASK_ALWAYS_EAGER = saved
        _reset_pools(app)


def _reset_pools(app):
    from kombu import pools

    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None
