"""n8n's instance health endpoint: `GET /healthz` is 200 {"status": "ok"} when the instance is up,
503 {"status": "error"} while its database is unreachable. Its public API `GET /api/v1/workflows`
needs the `X-N8N-API-KEY` header: 401 {"message": "'X-N8N-API-KEY' header required"} without it,
401 {"message": "unauthorized"} with a wrong key, else 200 {"data": [...], "nextCursor": null}
cut to `limit`. n8n answers the rest as FakeN8n."""

from urllib.parse import parse_qs

from tests.fakes.n8n import FakeN8n
from tests.fakes.server import Reply

OK = Reply(200, {"status": "ok"})
UNAVAILABLE = Reply(503, {"status": "error"})


class FakeN8nInstance(FakeN8n):
    def __init__(self, token="n8n-token", api_key="n8n-api-key"):
        super().__init__(token)
        self.api_key = api_key
        self.route("GET", "/healthz", OK)
        self.route("GET", "/api/v1/workflows", self._workflows)

    def _workflows(self, request):
        key = request.headers.get("X-N8N-API-KEY")
        if not key:
            return Reply(401, {"message": "'X-N8N-API-KEY' header required"})
        if key != self.api_key:
            return Reply(401, {"message": "unauthorized"})
        limit = int((parse_qs(request.query).get("limit") or ["100"])[0])
        workflows = [{"id": "2tUt1wbLX592XDdX", "name": "Check-in reminders", "active": True}]
        return Reply(200, {"data": workflows[:limit], "nextCursor": None})

    def unhealthy(self):
        self.route("GET", "/healthz", UNAVAILABLE)
