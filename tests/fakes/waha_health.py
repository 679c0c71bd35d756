"""WAHA's session API as WAHA answers it: `GET /api/sessions/{name}` with the `X-Api-Key` header
gives the session ({"name", "status", "config", "me"}) whose status is one of STOPPED, STARTING,
SCAN_QR_CODE, WORKING, FAILED; 401 {"message": "Unauthorized", "statusCode": 401} for a wrong
key; 404 {"message": "Session \"x\" does not exist", ...} for an unknown session."""

from tests.fakes.server import FakeServer, Reply


class FakeWaha(FakeServer):
    def __init__(self, api_key="waha-key"):
        super().__init__()
        self.api_key = api_key
        self.sessions: dict[str, str] = {}

    def session(self, name, status="WORKING"):
        self.sessions[name] = status
        self.route("GET", f"/api/sessions/{name}", self._session)
        return self

    def answer(self, request):
        if request.path.startswith("/api/") and request.headers.get("X-Api-Key") != self.api_key:
            return Reply(401, {"message": "Unauthorized", "statusCode": 401})
        if request.path.startswith("/api/sessions/") and (request.method, request.path) not in self.routes:
            name = request.path.rsplit("/", 1)[-1]
            return Reply(404, {"message": f'Session "{name}" does not exist', "error": "Not Found", "statusCode": 404})
        return super().answer(request)

    def _session(self, request):
        name = request.path.rsplit("/", 1)[-1]
        status = self.sessions[name]
        me = {"id": "4915100000000@c.us", "pushName": "Demo"} if status == "WORKING" else None
        return Reply(
            200, {"name": name, "status": status, "config": {"webhooks": []}, "me": me, "engine": {"engine": "WEBJS"}}
        )
