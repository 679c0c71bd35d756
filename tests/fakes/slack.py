"""A Slack incoming webhook as Slack answers it: 200 `ok` (text/plain) for a JSON body with `text`,
400 `invalid_payload` otherwise, 404 `no_service` for a revoked webhook, 410
`channel_is_archived`, 429 `rate_limited` with Retry-After, 500 on a bad day, or no answer."""

import json

from tests.fakes.server import FakeServer, Reply

PLAIN = {"Content-Type": "text/plain; charset=utf-8"}
NO_SERVICE = Reply(404, "no_service", PLAIN)
ARCHIVED = Reply(410, "channel_is_archived", PLAIN)
SERVER_ERROR = Reply(500, "internal_error", PLAIN)


def rate_limited(retry_after=0):
    return Reply(429, "rate_limited", {**PLAIN, "Retry-After": str(retry_after)})


def silent(seconds):
    """A reply that comes after the client gave up."""
    return Reply(200, "ok", PLAIN, delay=seconds)


class FakeSlack(FakeServer):
    PATH = "/services/T0DEMO/B0DEMO/abcdEFGHijklMNOP"

    def __init__(self):
        super().__init__()
        self.messages: list[str] = []
        self._script: list[Reply] = []
        self.route("POST", self.PATH, self._answer)

    @property
    def webhook_url(self) -> str:
        return self.url + self.PATH

    def script(self, *replies):
        """The next requests get these replies, in order; after them Slack accepts again."""
        self._script = list(replies)

    def revoke(self):
        self.route("POST", self.PATH, NO_SERVICE)

    def _answer(self, request):
        with self._lock:
            scripted = self._script.pop(0) if self._script else None
        return scripted or self._accept(request)

    def _accept(self, request):
        try:
            payload = json.loads(request.body or b"null")
        except ValueError:
            payload = None
        if not isinstance(payload, dict) or not str(payload.get("text") or "").strip():
            return Reply(400, "invalid_payload", PLAIN)
        self.messages.append(payload["text"])
        return Reply(200, "ok", PLAIN)
