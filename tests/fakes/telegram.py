"""Telegram's Bot API as a real local server: `POST /bot<token>/sendMessage`. Answers like
Telegram: `{"ok": true, "result": {"message_id", "chat", "date", "text"}}`, or `{"ok": false,
"error_code", "description"}` (429 adds `parameters.retry_after`). A wrong token is 404, as on
api.telegram.org; `script(...)` sets the next answers (see tests/fakes/graph.py)."""

import itertools
import time

from tests.fakes.graph import Scripted
from tests.fakes.server import FakeServer, Reply


def telegram_error(code, description, **parameters):
    body = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return Reply(code, body)


def rate_limited(retry_after=3):
    return telegram_error(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)


def blocked_by_user():
    return telegram_error(403, "Forbidden: bot was blocked by the user")


def server_error():
    return telegram_error(502, "Bad Gateway")


class FakeTelegram(Scripted, FakeServer):
    def __init__(self, token="123456:ABC-telegram-token"):
        super().__init__()
        self._init_script()
        self.token = token
        self._ids = itertools.count(100)
        self.route("POST", f"/bot{token}/sendMessage", self._send_message)

    @property
    def path(self):
        return f"/bot{self.token}/sendMessage"

    def answer(self, request):
        if request.path.endswith("/sendMessage") and request.path != self.path:
            return telegram_error(404, "Not Found")
        return super().answer(request)

    def _send_message(self, request):
        return self._scripted() or self.accept(request.json() or {})

    def accept(self, body):
        return Reply(
            200,
            {
                "ok": True,
                "result": {
                    "message_id": next(self._ids),
                    "chat": {"id": body.get("chat_id")},
                    "date": int(time.time()),
                    "text": body.get("text"),
                },
            },
        )
