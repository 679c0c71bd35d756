"""A hotel PMS's reservations API as apps/integrations/pms/client.py documents it: `GET
/reservations?updated_since=&limit=&cursor=` with `X-Api-Key`, answering pages of reservations
changed at or after `updated_since` (oldest first) with an opaque `next_cursor`; 401 for a wrong
key, 503 with Retry-After in maintenance (`available = False`). `GET /health` as FakePms."""

from datetime import datetime
from urllib.parse import parse_qs

from tests.fakes.pms_health import FakePms
from tests.fakes.server import Reply


class FakePmsApi(FakePms):
    def __init__(self, api_key="pms-key"):
        super().__init__(api_key)
        self.reservations: dict[str, dict] = {}
        self.route("GET", "/reservations", self._reservations)

    def put(self, reservation_id, status, updated_at, **fields):
        """The PMS's current state of one reservation."""
        self.reservations[reservation_id] = {
            "reservation_id": reservation_id,
            "status": status,
            "updated_at": updated_at.isoformat(),
            **fields,
        }

    def _reservations(self, request):
        if request.headers.get("X-Api-Key") != self.api_key:
            return Reply(401, {"error": "invalid api key"})
        if not self.available:
            return Reply(503, {"error": "maintenance"}, {"Retry-After": "120"})
        query = {key: values[0] for key, values in parse_qs(request.query).items()}
        try:
            since = datetime.fromisoformat(query["updated_since"])
        except (KeyError, ValueError):
            return Reply(400, {"error": "updated_since must be an ISO 8601 time"})
        changed = sorted(
            (r for r in self.reservations.values() if datetime.fromisoformat(r["updated_at"]) >= since),
            key=lambda r: (r["updated_at"], r["reservation_id"]),
        )
        start, limit = int(query.get("cursor") or 0), int(query.get("limit") or 100)
        more = start + limit < len(changed)
        return Reply(200, {"data": changed[start : start + limit], "next_cursor": str(start + limit) if more else None})
