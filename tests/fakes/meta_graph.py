"""The Graph API's phone number node as Meta answers it: `GET /v21.0/{phone-number-id}` with a
valid bearer token is 200 with the number's fields; an expired or revoked token is 400 with
error code 190 (subcode 463 expired, 460 password changed) and a WWW-Authenticate header; an id
the token cannot see is 400 with code 100."""
from tests.fakes.server import FakeServer, Reply

EXPIRED = {"error": {"message": "Error validating access token: Session has expired on Sunday, 22-Nov-26 "
                                "09:00:00 PST. The current time is Monday, 23-Nov-26 09:00:00 PST.",
                     "type": "OAuthException", "code": 190, "error_subcode": 463, "fbtrace_id": "AbCdEfGh123"}}
UNKNOWN_OBJECT = {"error": {"message": "Unsupported get request. Object with ID '{id}' does not exist, cannot be "
                                       "loaded due to missing permissions, or does not support this operation.",
                            "type": "GraphMethodException", "code": 100, "error_subcode": 33, "fbtrace_id": "Xy12"}}


class FakeGraph(FakeServer):
    VERSION = "v21.0"

    def __init__(self, token="EAAG-valid-token"):
        super().__init__()
        self.valid_token = token
        self.numbers: dict[str, str] = {}

    def number(self, phone_number_id, display="+1 555-0100"):
        self.numbers[str(phone_number_id)] = display
        self.route("GET", f"/{self.VERSION}/{phone_number_id}", self._number)
        return self

    def expire_token(self):
        self.valid_token = None

    def answer(self, request):
        if (request.method, request.path) not in self.routes:
            object_id = request.path.rsplit("/", 1)[-1]
            body = {"error": {**UNKNOWN_OBJECT["error"], "message": UNKNOWN_OBJECT["error"]["message"].format(id=object_id)}}
            return Reply(400, body)
        return super().answer(request)

    def _number(self, request):
        if request.headers.get("Authorization") != f"Bearer {self.valid_token}" or self.valid_token is None:
            return Reply(400, EXPIRED, {"WWW-Authenticate": 'OAuth "Facebook Platform" "invalid_token" '
                                                            '"Error validating access token"'})
        phone_number_id = request.path.rsplit("/", 1)[-1]
        return Reply(200, {"verified_name": "Alpha Rooms", "display_phone_number": self.numbers[phone_number_id],
                           "quality_rating": "GREEN", "code_verification_status": "VERIFIED", "id": phone_number_id})
