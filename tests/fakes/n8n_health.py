"""n8n's instance health endpoint: `GET /healthz` is 200 {"status": "ok"} when the instance is up,
503 {"status": "error"} while its database is unreachable (n8n answers the rest as FakeN8n)."""

from tests.fakes.n8n import FakeN8n
from tests.fakes.server import Reply

OK = Reply(200, {"status": "ok"})
UNAVAILABLE = Reply(503, {"status": "error"})


class FakeN8nInstance(FakeN8n):
    def __init__(self, token="n8n-token"):
        super().__init__(token)
        self.route("GET", "/healthz", OK)

    def unhealthy(self):
        self.route("GET", "/healthz", UNAVAILABLE)
