"""n8n as a workflow webhook answers: 200 with the execution id when the workflow is active, 404
with n8n's message when the path is not registered, 500 when the workflow errors, or no answer."""

from tests.fakes.server import FakeServer, Reply

NOT_REGISTERED = {
    "code": 404,
    "message": 'The requested webhook "POST {path}" is not registered.',
    "hint": "The workflow must be active for a production URL to run successfully.",
}


class FakeN8n(FakeServer):
    def __init__(self, token="n8n-token"):
        super().__init__()
        self.token = token
        self.executions = 0

    def workflow(self, path, reply=None):
        self.route("POST", "/" + path.lstrip("/"), reply or self._run)

    def _run(self, request):
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return Reply(403, {"code": 403, "message": "Authorization data is wrong!"})
        self.executions += 1
        return Reply(200, {"executionId": str(1000 + self.executions)})

    def answer(self, request):
        if (request.method, request.path) not in self.routes:
            return Reply(404, {**NOT_REGISTERED, "message": NOT_REGISTERED["message"].format(path=request.path)})
        return super().answer(request)
