"""A hotel PMS's health endpoint: `GET /health` with `X-Api-Key` is 200 {"status": "ok"}; a wrong
key is 401 {"error": "invalid api key"}; maintenance is 503 with Retry-After."""

from tests.fakes.server import FakeServer, Reply


class FakePms(FakeServer):
    def __init__(self, api_key="pms-key"):
        super().__init__()
        self.api_key = api_key
        self.available = True
        self.route("GET", "/health", self._health)

    def _health(self, request):
        if request.headers.get("X-Api-Key") != self.api_key:
            return Reply(401, {"error": "invalid api key"})
        if not self.available:
            return Reply(503, {"error": "maintenance"}, {"Retry-After": "120"})
        return Reply(200, {"status": "ok", "version": "4.2"})
