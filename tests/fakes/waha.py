"""WAHA (WhatsApp HTTP API) as a real local server: `POST /api/sendText` with `X-Api-Key`,
`{"session", "chatId", "text"}`. Success is 201 with the sent message (`id` like
`true_4915…@c.us_3EB0…`); a wrong key is 401; an unknown or stopped session is 422 with the
session's status; `script(...)` sets the next answers (see tests/fakes/graph.py)."""

import base64
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


# --- Sessions, as WAHA's sessions and auth controllers answer ---------------------------------

QR_FIRST_S, QR_NEXT_S, QR_MAX = 60, 20, 6
# A 1×1 PNG: enough for a browser and for checking the bytes' signature.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


def not_found(name):
    return Reply(404, {"message": f'Session "{name}" does not exist', "error": "Not Found", "statusCode": 404})


def wrong_status(name, status, expected):
    return Reply(
        422,
        {
            "error": "Session status is not as expected. Try again later or restart the session",
            "session": name,
            "status": status,
            "expected": expected,
        },
    )


class Session:
    """One WAHA session on the fake's clock: STARTING until `tick`, then SCAN_QR_CODE with a QR
    re-issued after 60 s, then every 20 s, up to six codes; FAILED when the sixth expires;
    WORKING after `scan`."""

    def __init__(self, name, config, now):
        self.name, self.config, self.status, self.me = name, config, "STOPPED", None
        self.qr_issued_at, self.qr_count, self.history = now, 0, []

    def move(self, status, now):
        self.status = status
        self.history.append({"status": status, "timestamp": int(now * 1000)})

    def show_qr(self, now):
        self.move("SCAN_QR_CODE", now)
        self.qr_count, self.qr_issued_at = 1, now

    def advance(self, now):
        if self.status == "STARTING":
            self.show_qr(now)
        while self.status == "SCAN_QR_CODE" and now - self.qr_issued_at >= self.qr_lifetime():
            self.qr_issued_at += self.qr_lifetime()
            if self.qr_count >= QR_MAX:
                self.move("FAILED", now)
            else:
                self.qr_count += 1

    def qr_lifetime(self):
        return QR_FIRST_S if self.qr_count <= 1 else QR_NEXT_S

    def qr_value(self):
        return f"2@fake-qr-{self.name}-{self.qr_count}"

    def info(self):
        return {
            "name": self.name,
            "status": self.status,
            "config": self.config,
            "me": self.me,
            "engine": {"engine": "WEBJS"},
        }


class FakeWahaSessions(FakeWaha):
    """WAHA with its session API: `POST /api/sessions`, `GET|DELETE /api/sessions/{name}`,
    `POST /api/sessions/{name}/{start|stop|restart|logout}`, `GET /api/sessions/{name}/me`,
    `GET /api/{name}/auth/qr` (PNG, `Accept: application/json` → base64, `?format=raw` → value),
    `POST /api/{name}/auth/request-code`. Time is the fake's own clock (`advance(seconds)`); a
    test plays the phone with `scan(name)`, a ban with `fail(name)`."""

    ACTIONS = ("start", "stop", "restart", "logout")

    def __init__(self, api_key="waha-key"):
        super().__init__(api_key=api_key, sessions=())
        self.clock, self.by_name = 0.0, {}

    @property
    def sessions(self):
        return {name for name, s in getattr(self, "by_name", {}).items() if s.status == "WORKING"}

    @sessions.setter
    def sessions(self, _value):
        pass

    def advance(self, seconds=0.0):
        self.clock += seconds
        for session in self.by_name.values():
            session.advance(self.clock)

    def scan(self, name="default", number="4915100000000", push_name="Hotel Bella"):
        session = self.by_name[name]
        session.me = {"id": f"{number}@c.us", "pushName": push_name}
        session.move("WORKING", self.clock)

    def fail(self, name="default"):
        self.by_name[name].move("FAILED", self.clock)

    def answer(self, request):
        if request.path.startswith("/api/") and (request.method, request.path) not in self.routes:
            if request.headers.get("X-Api-Key") != self.api_key:
                return unauthorized()
            with self._lock:
                return self._session_api(request)
        return super().answer(request)

    def _session_api(self, request):
        parts = request.path.strip("/").split("/")[1:]
        if parts == ["sessions"] and request.method == "POST":
            return self._create(request.json() or {})
        if parts[0] == "sessions" and len(parts) >= 2:
            return self._on_session(request, parts[1], parts[2:])
        if len(parts) == 3 and parts[1] == "auth":
            return self._auth(request, parts[0], parts[2])
        return Reply(
            404, {"message": f"Cannot {request.method} {request.path}", "error": "Not Found", "statusCode": 404}
        )

    def _create(self, body):
        name = body.get("name") or "default"
        if name in self.by_name:
            return Reply(
                422, {"statusCode": 422, "message": f"Session '{name}' already exists", "error": "Unprocessable Entity"}
            )
        session = self.by_name[name] = Session(name, body.get("config") or {}, self.clock)
        if body.get("start", True):
            session.move("STARTING", self.clock)
        return Reply(201, session.info())

    def _on_session(self, request, name, rest):
        session = self.by_name.get(name)
        if session is None:
            return not_found(name)
        if not rest and request.method == "GET":
            return Reply(200, session.info())
        if not rest and request.method == "DELETE":
            del self.by_name[name]
            return Reply(200, None)
        if rest == ["me"]:
            return Reply(200, session.me)
        if len(rest) == 1 and rest[0] in self.ACTIONS and request.method == "POST":
            getattr(self, f"_{rest[0]}")(session)
            return Reply(201, session.info())
        return not_found(name)

    def _start(self, session):
        if session.status == "STOPPED":
            session.move("STARTING", self.clock)

    def _stop(self, session):
        session.move("STOPPED", self.clock)

    def _restart(self, session):
        session.move("STOPPED", self.clock)
        session.move("STARTING", self.clock)

    def _logout(self, session):
        session.me = None
        self._restart(session)

    def _auth(self, request, name, what):
        session = self.by_name.get(name)
        if session is None:
            return not_found(name)
        if session.status != "SCAN_QR_CODE":
            return wrong_status(name, session.status, ["SCAN_QR_CODE"])
        if what == "qr" and request.method == "GET":
            return self._qr(request, session)
        if what == "request-code" and request.method == "POST":
            digits = str((request.json() or {}).get("phoneNumber", ""))
            if not digits.isdigit():
                return Reply(400, {"statusCode": 400, "message": "phoneNumber must be digits", "error": "Bad Request"})
            return Reply(201, {"code": f"ABCD-{digits[-4:]}"})
        return not_found(name)

    def _qr(self, request, session):
        if "format=raw" in request.query:
            return Reply(200, {"value": session.qr_value()})
        if "application/json" in request.headers.get("Accept", "") and "image/png" not in request.headers.get(
            "Accept", ""
        ):
            return Reply(200, {"mimetype": "image/png", "data": base64.b64encode(PNG).decode()})
        return Reply(200, PNG, headers={"Content-Type": "image/png"})
