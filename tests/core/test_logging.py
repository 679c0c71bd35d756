"""Secrets in URLs never reach a log line: Meta's verify token (the webhook handshake's query
string) is redacted in our JSON and plain lines, runserver's and gunicorn's access logs."""

import json
import logging
from datetime import timedelta
from types import SimpleNamespace

import pytest
from gunicorn.config import Config

from apps.core.access_log import RedactingGunicornLogger
from apps.core.logging import ContextFilter, JsonFormatter, PlainFormatter, redact

TOKEN = "meta-verify-s3cret"
HANDSHAKE = f"/webhooks/meta/?hub.mode=subscribe&hub.verify_token={TOKEN}&hub.challenge=42"


@pytest.mark.parametrize(
    "text, expected",
    [
        (HANDSHAKE, "/webhooks/meta/?hub.mode=subscribe&hub.verify_token=[redacted]&hub.challenge=42"),
        (f"GET /x?hub%2Everify_token={TOKEN} HTTP/1.1", "GET /x?hub%2Everify_token=[redacted] HTTP/1.1"),
        (f'"url": "/x?access_token={TOKEN}"', '"url": "/x?access_token=[redacted]"'),
        ("/x?page=2&tokens_used=3", "/x?page=2&tokens_used=3"),
    ],
)
def test_redact(text, expected):
    assert redact(text) == expected


@pytest.fixture
def log_lines():
    lines = []

    class Capture(logging.Handler):
        def emit(self, record):
            lines.append(JsonFormatter().format(record))
            lines.append(PlainFormatter("%(message)s %(request)s").format(record))

    capture = Capture()
    capture.addFilter(ContextFilter())
    root = logging.getLogger()
    root.addHandler(capture)
    yield lines
    root.removeHandler(capture)


def test_a_refused_handshake_logs_no_token(client, db, log_lines):
    response = client.get(HANDSHAKE)
    assert response.status_code == 403
    logged = "\n".join(log_lines)
    assert "/webhooks/meta/" in logged and "hub.verify_token=[redacted]" in logged
    assert TOKEN not in logged


def test_runservers_request_line_is_redacted(log_lines):
    logging.getLogger("django.server").warning(
        '"%s" %s %s', f"GET {HANDSHAKE} HTTP/1.1", "403", "0", extra={"request": "-"}
    )
    assert log_lines and all(TOKEN not in line for line in log_lines)
    assert json.loads(log_lines[0])["message"].startswith('"GET /webhooks/meta/?hub.mode=subscribe')


def test_gunicorns_access_log_is_redacted():
    path, _, query = HANDSHAKE.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": HANDSHAKE,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "REMOTE_ADDR": "10.0.0.1",
    }
    atoms = RedactingGunicornLogger(Config()).atoms(
        SimpleNamespace(status="403 Forbidden", sent=0, headers=[]),
        SimpleNamespace(headers=[]),
        environ,
        timedelta(milliseconds=5),
    )
    assert atoms["r"] == "GET /webhooks/meta/?hub.mode=subscribe&hub.verify_token=[redacted]&hub.challenge=42 HTTP/1.1"
    assert TOKEN not in atoms["q"] and atoms["h"] == "10.0.0.1"
