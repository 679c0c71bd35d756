"""Local stand-ins for the providers the demo tenants are connected to, so a fresh `make run`
shows healthy connections instead of incidents about addresses where nothing listens.

One HTTP server, one path prefix per provider (`/chatwoot`, `/waha`, `/n8n`, `/pms`, `/graph`,
`/telegram`, `/slack`), answering the calls Opsdesk makes the way a healthy provider would: health
endpoints, sessions, message sends, Chatwoot's conversations and messages (the demo corpus, see
apps.core.demo_chatwoot), n8n workflow triggers (with the callback a workflow would post). It is
demo equipment for `make run`, not a test double: tests use tests/fakes/."""

import itertools
import json
import logging
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

from apps.core import demo_chatwoot

logger = logging.getLogger("opsdesk.demo")
PREFIXES = ("chatwoot", "waha", "n8n", "pms", "graph", "telegram", "slack")
N8N_REPLY = "Thanks! Your table is booked (answer from the demo n8n workflow)."
CALLBACK_DELAY_S = 1.0
_ids = itertools.count(1)


def _ok(body=None):
    return 200, body if body is not None else {"status": "ok"}


def _waha_session(match, body, headers):
    return _ok({"name": match["session"], "status": "WORKING", "me": {"id": "390000000000@c.us"}})


def _waha_send(match, body, headers):
    return _ok({"id": f"true_{body.get('chatId', '')}_DEMO{next(_ids):06d}"})


def _graph_number(match, body, headers):
    return _ok(
        {
            "id": match["number"],
            "display_phone_number": "+49 30 0000 0000",
            "verified_name": "Demo number",
            "quality_rating": "GREEN",
        }
    )


def _graph_debug_token(match, body, headers):
    """A system user's token: valid, never expires (`expires_at: 0`)."""
    token = {"app_id": "1", "type": "SYSTEM_USER", "application": "Demo", "is_valid": True, "expires_at": 0}
    return _ok({"data": token})


def _graph_send(match, body, headers):
    to = body.get("to", "")
    return _ok(
        {
            "messaging_product": "whatsapp",
            "contacts": [{"input": to, "wa_id": to}],
            "messages": [{"id": f"wamid.DEMO{next(_ids):010d}"}],
        }
    )


def _telegram_send(match, body, headers):
    return _ok(
        {
            "ok": True,
            "result": {"message_id": next(_ids), "chat": {"id": body.get("chat_id")}, "text": body.get("text", "")},
        }
    )


def _n8n_trigger(match, body, headers):
    """Answers like an n8n webhook node, then posts the workflow's result back to `callback_url`
    with the same bearer token, as the demo workflow is configured to."""
    execution_id = f"demo-{next(_ids)}"
    if body.get("callback_url") and body.get("run_id"):
        callback = {"run_id": body["run_id"], "status": "succeeded", "reply": N8N_REPLY}
        threading.Thread(
            target=_post_callback, args=(body["callback_url"], headers.get("Authorization", ""), callback), daemon=True
        ).start()
    return _ok({"executionId": execution_id})


def _post_callback(url, authorization, payload):
    time.sleep(CALLBACK_DELAY_S)
    try:
        response = requests.post(url, json=payload, headers={"Authorization": authorization}, timeout=10)
        logger.info("demo n8n callback for run %s answered HTTP %s", payload["run_id"], response.status_code)
    except requests.RequestException as exc:
        logger.warning("demo n8n callback for run %s failed: %s", payload["run_id"], type(exc).__name__)


VERSIONS = r"(?:/v\d+\.\d+)*"
ROUTES = [
    ("GET", r"/chatwoot/rails/health", lambda *_: _ok()),
    ("GET", r"/waha/api/sessions/(?P<session>[^/]+)", _waha_session),
    ("POST", r"/waha/api/send\w+", _waha_send),
    ("GET", r"/n8n/healthz", lambda *_: _ok()),
    ("POST", r"/n8n/.+", _n8n_trigger),
    ("GET", r"/pms/health", lambda *_: _ok()),
    ("GET", rf"/graph{VERSIONS}/debug_token", _graph_debug_token),
    ("GET", rf"/graph{VERSIONS}/(?P<number>\d+)", _graph_number),
    ("POST", rf"/graph{VERSIONS}/(?P<number>\d+)/messages", _graph_send),
    ("POST", r"/telegram/bot[^/]+/sendMessage", _telegram_send),
    ("POST", r"/slack/.*", lambda *_: (200, "ok")),
]


def answer(method, path, body, headers, query=""):
    """(status, body) for one request: the first route matching the method and the whole path;
    Chatwoot's API is the demo corpus (apps.core.demo_chatwoot)."""
    if path.startswith("/chatwoot/api/"):
        return demo_chatwoot.answer(method, path, query, headers)
    for route_method, pattern, handler in ROUTES:
        match = re.fullmatch(pattern, path)
        if route_method == method and match:
            return handler(match.groupdict(), body, headers)
    return 404, {"error": f"the demo providers do not serve {method} {path}"}


class _Handler(BaseHTTPRequestHandler):
    server_version = "OpsdeskDemoProviders/1"

    def do_GET(self):
        self._respond("GET")

    def do_POST(self):
        self._respond("POST")

    def _respond(self, method):
        path, _, query = self.path.partition("?")
        status, body = answer(method, path, self._json_body(), dict(self.headers), query)
        payload = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain" if isinstance(body, str) else "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
        if method != "GET" or status >= 400:
            logger.info("demo providers: %s %s answered %s", method, self.path, status)

    def _json_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            data = json.loads(raw or b"{}")
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}

    def log_message(self, format, *args):
        """Health probes every few minutes are not worth a line each; `_respond` logs the rest."""


def make_server(host="127.0.0.1", port=0) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer((host, port), _Handler)
    server.daemon_threads = True
    return server
