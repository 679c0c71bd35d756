"""Meta's Graph API for WhatsApp Cloud, as a real local server: `POST /v21.0/{phone-number-id}/messages`
with a bearer token. It answers like Meta does: 200 with `messages[0].id` (a wamid), and errors
as `{"error": {"message", "type", "code", "error_subcode", "error_data", "fbtrace_id"}}`.

A test scripts the next answers with `script(...)` (then the fake goes back to accepting), using
the reply builders below: `token_expired()` (401, code 190), `rate_limited(retry_after)` (429
with Retry-After), `throughput_limited()` (400, code 130429), `window_closed()` (400, code
131047), `server_error()` (500, code 131000) and `never_answers()` (a delay past the client's
timeout). A request with a token other than the fake's own gets `token_expired()`."""
import itertools
import threading

from tests.fakes.server import FakeServer, Reply

VERSION = "v21.0"


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


def meta_error(status, code, message, *, error_type="OAuthException", subcode=None, details="", headers=None,
               title=""):
    error = {"message": message, "type": error_type, "code": code, "fbtrace_id": "AbCdEfGhIjK"}
    if subcode is not None:
        error["error_subcode"] = subcode
    if details:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details}
    if title:
        error["error_user_title"] = title
    return Reply(status, {"error": error}, headers=headers or {})


def token_expired():
    return meta_error(401, 190, "Error validating access token: Session has expired on Tuesday, 24-Nov-26 "
                                "10:00:00 PST. The current time is Wednesday, 25-Nov-26 01:00:00 PST.", subcode=463)


def rate_limited(retry_after=7):
    return meta_error(429, 130429, "(#130429) Rate limit hit", error_type="OAuthException",
                      details="Cloud API message throughput has been reached.", headers={"Retry-After": str(retry_after)})


def throughput_limited():
    return meta_error(400, 130429, "(#130429) Rate limit hit", details="Cloud API message throughput has been reached.")


def window_closed():
    return meta_error(400, 131047, "(#131047) Re-engagement message", details=(
        "Message failed to send because more than 24 hours have passed since the customer last replied to this number."))


def not_on_whatsapp():
    return meta_error(400, 131026, "(#131026) Message undeliverable")


def server_error():
    return meta_error(500, 131000, "(#131000) Something went wrong", error_type="OAuthException")


def never_answers(seconds=2.0):
    return Reply(200, {"messaging_product": "whatsapp", "messages": [{"id": "wamid.too-late"}]}, delay=seconds)


class FakeGraph(Scripted, FakeServer):
    def __init__(self, token="graph-token", phone_number_id="1065551234"):
        super().__init__()
        self._init_script()
        self.token, self.phone_number_id = token, phone_number_id
        self._ids = itertools.count(1)
        self.route("POST", self.path, self._messages)

    @property
    def base_url(self):
        return f"{self.url}/{VERSION}"

    @property
    def path(self):
        return f"/{VERSION}/{self.phone_number_id}/messages"

    def sent(self):
        """The payloads of the messages the fake accepted or answered, in order."""
        return [request.json() for request in self.requests_to(self.path)]

    def _messages(self, request):
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return token_expired()
        return self._scripted() or self.accept(request)

    def accept(self, request):
        to = (request.json() or {}).get("to", "")
        wamid = f"wamid.HBgM{next(self._ids):010d}"
        return Reply(200, {"messaging_product": "whatsapp", "contacts": [{"input": to, "wa_id": to}],
                           "messages": [{"id": wamid}]})
