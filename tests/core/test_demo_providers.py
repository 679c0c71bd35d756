"""The demo providers `make run` starts: healthy answers where Opsdesk asks, a 404 elsewhere, the
n8n workflow's callback with the token it was triggered with, and a clean stop on SIGTERM."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest
import requests
from django.conf import settings

from apps.core import demo_providers
from tests.fakes.server import FakeServer, Reply


@pytest.fixture
def demo():
    server = demo_providers.make_server()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_it_answers_like_healthy_providers(demo):
    assert requests.get(f"{demo}/chatwoot/rails/health", timeout=5).status_code == 200
    assert requests.get(f"{demo}/waha/api/sessions/default", timeout=5).json()["status"] == "WORKING"
    assert requests.get(f"{demo}/graph/v21.0/106540352242922", timeout=5).json()["quality_rating"] == "GREEN"
    sent = requests.post(f"{demo}/graph/v21.0/106540352242922/messages", json={"to": "4915112345678"}, timeout=5)
    assert sent.json()["messages"][0]["id"].startswith("wamid.")
    assert (
        requests.post(f"{demo}/telegram/bot123:abc/sendMessage", json={"chat_id": 9, "text": "hi"}, timeout=5).json()[
            "ok"
        ]
        is True
    )
    assert requests.get(f"{demo}/elsewhere", timeout=5).status_code == 404


def test_the_n8n_workflow_calls_back_with_its_token(demo):
    with FakeServer() as opsdesk:
        opsdesk.route("POST", "/webhooks/n8n/abc/", Reply(200, {"stored": 1}))
        answer = requests.post(
            f"{demo}/n8n/webhook/table-booking",
            timeout=5,
            headers={"Authorization": "Bearer demo-token"},
            json={"run_id": 42, "callback_url": f"{opsdesk.url}/webhooks/n8n/abc/"},
        )
        deadline = time.monotonic() + 5
        while not opsdesk.requests and time.monotonic() < deadline:
            time.sleep(0.05)

    assert answer.json()["executionId"].startswith("demo-")
    callback = opsdesk.requests[0]
    assert callback.headers["Authorization"] == "Bearer demo-token"
    assert callback.json()["run_id"] == 42 and callback.json()["status"] == "succeeded"


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_command_serves_and_stops_cleanly_on_sigterm():
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "demo_providers", "--port", str(port)],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DEBUG": "true"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert "Demo providers on" in process.stdout.readline()
        assert requests.get(f"http://127.0.0.1:{port}/n8n/healthz", timeout=5).status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=20)
    assert process.returncode == 0 and "stopped" in out
