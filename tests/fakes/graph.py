"""Meta's Graph API for WhatsApp Cloud, as a real local server, for the sender and the health probe.

`POST /v21.0/{phone-number-id}/messages` with a bearer token answers like Meta does: 200 with
`messages[0].id` (a wamid), and errors as `{"error": {"message", "type", "code", "error_subcode",
"error_data", "fbtrace_id"}}`. `GET /v21.0/{waba-id}` is the WhatsApp Business Account node (`account()`: id,
name, timezone_id, message_template_namespace), answering tokens like the phone number node.
`GET /v21.0/{phone-number-id}` is the phone number node: 200 with its
fields for the valid token, 400 with error 190 (and a WWW-Authenticate header) for an expired or
revoked one (`expire_token()`), 400 with error 100 for an id the token cannot see. It answers only
at versioned paths: an unversioned path or a doubled version (`/v21.0/v21.0/…`) is a 404 with
Graph's error body, so a URL built with the wrong number of versions fails the test.

A test scripts the next answers with `script(...)` (then the fake goes back to accepting), using
the reply builders below: `token_expired()` (401, code 190), `rate_limited(retry_after)` (429
with Retry-After), `throughput_limited()` (400, code 130429), `window_closed()` (400, code
131047), `server_error()` (500, code 131000) and `never_answers()` (a delay past the client's
timeout). A request with a token other than the fake's own gets `token_expired()`."""

import itertools
import re
import threading
from urllib.parse import parse_qs

from tests.fakes.server import FakeServer, Reply

VERSION = "v21.0"
VERSIONED_PATH = re.compile(r"^/v\d+\.\d+/(?!v\d+\.\d+(/|$))[^/]+(/[^/]+)?$")


class Scripted:
    """Answers from a script first, then from the fake's own handler."""

    def _init_script(self):
        self._script, self._script_lock = [], threading.Lock()

    def script(self, *replies):
        with self._script_lock:
            self._script.extend(replies)

    def _scripted(self):
        with self._script_lock:
            return self._script.pop(0) if self._script else None


def meta_error(status, code, message, *, error_type="OAuthException", subcode=None, details="", headers=None, title=""):
    error = {"message": message, "type": error_type, "code": code, "fbtrace_id": "AbCdEfGhIjK"}
    if subcode is not None:
        error["error_subcode"] = subcode
    if details:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details}
    if title:
        error["error_user_title"] = title
    return Reply(status, {"error": error}, headers=headers or {})


def token_expired():
    return meta_error(
        401,
        190,
        "Error validating access token: Session has expired on Tuesday, 24-Nov-26 "
        "10:00:00 PST. The current time is Wednesday, 25-Nov-26 01:00:00 PST.",
        subcode=463,
    )


def rate_limited(retry_after=7):
    return meta_error(
        429,
        130429,
        "(#130429) Rate limit hit",
        error_type="OAuthException",
        details="Cloud API message throughput has been reached.",
        headers={"Retry-After": str(retry_after)},
    )


def throughput_limited():
    return meta_error(400, 130429, "(#130429) Rate limit hit", details="Cloud API message throughput has been reached.")


def window_closed():
    return meta_error(
        400,
        131047,
        "(#131047) Re-engagement message",
        details=(
            "Message failed to send because more than 24 hours have passed "
            "since the customer last replied to this number."
        ),
    )


def not_on_whatsapp():
    return meta_error(400, 131026, "(#131026) Message undeliverable")


def server_error():
    return meta_error(500, 131000, "(#131000) Something went wrong", error_type="OAuthException")


def never_answers(seconds=2.0):
    return Reply(200, {"messaging_product": "whatsapp", "messages": [{"id": "wamid.too-late"}]}, delay=seconds)


def unknown_path(path):
    return Reply(
        404,
        {
            "error": {
                "message": f"Unknown path components: {path}",
                "type": "OAuthException",
                "code": 2500,
                "fbtrace_id": "AzXyUnknownPath",
            }
        },
    )


def unknown_object(object_id):
    return meta_error(
        400,
        100,
        f"Unsupported get request. Object with ID '{object_id}' does not exist, cannot be "
        "loaded due to missing permissions, or does not support this operation.",
        error_type="GraphMethodException",
        subcode=33,
    )


def invalid_token():
    """What the phone number node answers for an expired or revoked token."""
    reply = meta_error(
        400,
        190,
        "Error validating access token: Session has expired on Sunday, 22-Nov-26 09:00:00 "
        "PST. The current time is Monday, 23-Nov-26 09:00:00 PST.",
        subcode=463,
    )
    reply.headers["WWW-Authenticate"] = 'OAuth "Facebook Platform" "invalid_token" "Error validating access token"'
    return reply


class FakeGraph(Scripted, FakeServer):
    def __init__(self, token="graph-token", phone_number_id="1065551234"):
        super().__init__()
        self._init_script()
        self.token, self.phone_number_id = token, phone_number_id
        self.numbers: dict[str, str] = {}
        self.accounts: dict[str, str] = {}
        self._ids = itertools.count(1)
        self.route("POST", self.path, self._messages)
        self.number(phone_number_id)

    @property
    def base_url(self):
        """The base with its version, as Meta's docs write it; `url` is the base without."""
        return f"{self.url}/{VERSION}"

    @property
    def path(self):
        return f"/{VERSION}/{self.phone_number_id}/messages"

    def number(self, phone_number_id, display="+1 555-0100"):
        """Serves the phone number node of `phone_number_id`."""
        self.numbers[str(phone_number_id)] = display
        self.route("GET", f"/{VERSION}/{phone_number_id}", self._number)
        return self

    def account(self, waba_id, name="Alpha Rooms WABA"):
        """Serves the WhatsApp Business Account node of `waba_id`."""
        self.accounts[str(waba_id)] = name
        self.route("GET", f"/{VERSION}/{waba_id}", self._account)
        return self

    def expire_token(self):
        self.token = None

    def token_expires(self, at=None):
        """Serves `GET /debug_token` for the token: `expires_at` is `at` (a datetime), or 0 (never)."""
        self.token_expires_at = int(at.timestamp()) if at else 0
        self.route("GET", f"/{VERSION}/debug_token", self._debug_token)
        return self

    def sent(self):
        """The payloads of the messages the fake accepted or answered, in order."""
        return [request.json() for request in self.requests_to(self.path)]

    def answer(self, request):
        if not VERSIONED_PATH.match(request.path):
            return unknown_path(request.path)
        if (request.method, request.path) not in self.routes:
            return unknown_object(request.path.split("/")[2])
        return super().answer(request)

    def _authorized(self, request):
        return self.token is not None and request.headers.get("Authorization") == f"Bearer {self.token}"

    def _messages(self, request):
        if not self._authorized(request):
            return token_expired()
        return self._scripted() or self.accept(request)

    def _number(self, request):
        if not self._authorized(request):
            return invalid_token()
        phone_number_id = request.path.rsplit("/", 1)[-1]
        return Reply(
            200,
            {
                "verified_name": "Alpha Rooms",
                "display_phone_number": self.numbers[phone_number_id],
                "quality_rating": "GREEN",
                "code_verification_status": "VERIFIED",
                "id": phone_number_id,
            },
        )

    def _account(self, request):
        if not self._authorized(request):
            return invalid_token()
        waba_id = request.path.rsplit("/", 1)[-1]
        return Reply(
            200,
            {
                "id": waba_id,
                "name": self.accounts[waba_id],
                "timezone_id": "1",
                "message_template_namespace": "c8ae5f90_307a_ca4c_b8f6_d1e2a2573574",
            },
        )

    def _debug_token(self, request):
        """As Meta answers it: the token's metadata under `data`; an unknown input token is not valid."""
        if not self._authorized(request):
            return invalid_token()
        valid = parse_qs(request.query).get("input_token") == [self.token]
        data = {"app_id": "1234567890", "type": "SYSTEM_USER", "application": "Alpha Rooms", "is_valid": valid}
        if valid:
            scopes = ["whatsapp_business_messaging", "whatsapp_business_management"]
            data.update(expires_at=self.token_expires_at, data_access_expires_at=0, scopes=scopes)
        else:
            data["error"] = {"code": 190, "message": "Invalid OAuth access token.", "subcode": 0}
        return Reply(200, {"data": data})

    def accept(self, request):
        to = (request.json() or {}).get("to", "")
        wamid = f"wamid.HBgM{next(self._ids):010d}"
        return Reply(
            200,
            {"messaging_product": "whatsapp", "contacts": [{"input": to, "wa_id": to}], "messages": [{"id": wamid}]},
        )
