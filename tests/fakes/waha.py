"""WAHA (WhatsApp HTTP API) as a real local server: `POST /api/sendText` with `X-Api-Key`,
`{"session", "chatId", "text"}`. Success is 201 with the sent message (`id` like
`true_4915…@c.us_3EB0…`); a wrong key is 401; an unknown or stopped session is 422 with the
session's status; `script(...)` sets the next answers (see tests/fakes/graph.py)."""

import itertools
import time

from tests.fakes.graph import Scripted
from tests.fakes.server import FakeServer, Reply


def unauthorized():
    return Reply(401, {"message": "Unauthorized", "statusCode": 401})


def session_stopped(session="default"):
    return Reply(
        422,
        {
            "error": "Session status is not as expected. Try again later or restart the session",
            "session": session,
            "status": "STOPPED",
            "expected": ["WORKING"],
        },
    )


def rate_limited(retry_after=5):
    return Reply(429, {"message": "Too Many Requests", "statusCode": 429}, headers={"Retry-After": str(retry_after)})


def server_error():
    return Reply(500, {"statusCode": 500, "message": "Internal server error"})


class FakeWaha(Scripted, FakeServer):
    def __init__(self, api_key="waha-key", sessions=("default",)):
        super().__init__()
        self._init_script()
        self.api_key, self.sessions = api_key, set(sessions)
        self._ids = itertools.count(1)
        self.route("POST", "/api/sendText", self._send_text)

    def _send_text(self, request):
        if request.headers.get("X-Api-Key") != self.api_key:
            return unauthorized()
        body = request.json() or {}
        if body.get("session") not in self.sessions:
            return session_stopped(body.get("session", ""))
        return self._scripted() or self.accept(body)

    def accept(self, body):
        message_id = f"true_{body.get('chatId')}_3EB0{next(self._ids):016X}"
        return Reply(
            201,
            {
                "id": message_id,
                "timestamp": int(time.time()),
                "from": "4930000000@c.us",
                "fromMe": True,
                "to": body.get("chatId"),
                "body": body.get("text"),
                "ack": 1,
            },
        )
