"""A local server answering `POST /v1/embeddings` as OpenAI's embeddings endpoint does.

    with FakeEmbeddings(max_inputs=8) as fake:
        settings.OPENAI_BASE_URL, settings.OPENAI_API_KEY = fake.base_url, fake.api_key
        fake.script(fake.rate_limited(retry_after=1), fake.hang(5))  # next replies, then normal answers
        fake.batch_sizes                                              # inputs per request received

Successes follow OpenAI's reference: `{"object": "list", "data": [{"object": "embedding", "index",
"embedding": [...]}], "model", "usage": {"prompt_tokens", "total_tokens"}}`; `input` may be a
string or an array of strings. Vectors are deterministic: words hashed into `dims` buckets, so
texts sharing words point the same way. Errors use OpenAI's body `{"error": {"message", "type",
"param", "code"}}`: 401 for a wrong Bearer key, 400 for a body without `model`/`input`, for an
empty string, or for more inputs than `max_inputs` (OpenAI allows 2048 per request); a proxy's
HTML 413 when the body exceeds `max_body_bytes`; 429 `rate_limit_exceeded` (with Retry-After
when given) or `insufficient_quota`; 500; and `hang()` that answers after the client gave up."""

import hashlib
import json
import re

import numpy as np

from tests.fakes.server import FakeServer, Reply

PATH = "/v1/embeddings"
WORD = re.compile(r"\w+")


class FakeEmbeddings(FakeServer):
    def __init__(self, *, api_key="sk-embed-test", dims=64, max_inputs=2048, max_body_bytes=None, model=None):
        super().__init__()
        self.api_key, self.dims, self.max_inputs, self.max_body_bytes = api_key, dims, max_inputs, max_body_bytes
        self.model = model
        self._script: list[Reply] = []
        self.route("POST", PATH, self._answer)

    @property
    def base_url(self) -> str:
        return self.url + "/v1"

    @property
    def batch_sizes(self) -> list[int]:
        return [len(_inputs(request.json())) for request in self.requests_to(PATH)]

    def script(self, *replies):
        with self._lock:
            self._script = list(replies)

    # --- error replies, as OpenAI (or the proxy in front of it) sends them ----------------------

    @staticmethod
    def error(status, message, *, type_="invalid_request_error", code=None, param=None, headers=None) -> Reply:
        return Reply(
            status, {"error": {"message": message, "type": type_, "param": param, "code": code}}, headers or {}
        )

    def rate_limited(self, retry_after=None) -> Reply:
        headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
        message = "Rate limit reached for text-embedding-3-small on requests per min (RPM): Limit 3000, Used 3000."
        return self.error(429, message, type_="requests", code="rate_limit_exceeded", headers=headers)

    def quota(self) -> Reply:
        message = "You exceeded your current quota, please check your plan and billing details."
        return self.error(429, message, type_="insufficient_quota", code="insufficient_quota")

    def server_error(self) -> Reply:
        return self.error(
            500, "The server had an error while processing your request. Sorry about that!", type_="server_error"
        )

    @staticmethod
    def too_large() -> Reply:
        html = "<html><head><title>413 Request Entity Too Large</title></head><body>nginx</body></html>"
        return Reply(413, html, {"Content-Type": "text/html"})

    def too_many_inputs(self) -> Reply:
        message = f"Too many inputs. The max number of inputs is {self.max_inputs}."
        return self.error(400, message, param="input")

    @staticmethod
    def hang(seconds=5.0) -> Reply:
        return Reply(200, {"object": "list", "data": []}, delay=seconds)

    # --- answering -----------------------------------------------------------------------------

    def _answer(self, request) -> Reply:
        with self._lock:
            scripted = self._script.pop(0) if self._script else None
        if scripted is not None:
            return scripted
        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return self.error(401, "Incorrect API key provided.", code="invalid_api_key")
        if self.max_body_bytes is not None and len(request.body) > self.max_body_bytes:
            return self.too_large()
        return self._embed(request)

    def _embed(self, request) -> Reply:
        try:
            body = json.loads(request.body)
        except ValueError:
            return self.error(400, "We could not parse the JSON body of your request.")
        texts = _inputs(body)
        if not body.get("model") or texts is None:
            return self.error(400, "'model' and 'input' are required properties.", param="input")
        if any(not isinstance(text, str) or not text for text in texts):
            return self.error(400, "'$.input' is invalid. Please check the API reference.", param="input")
        if len(texts) > self.max_inputs:
            return self.too_many_inputs()
        tokens = sum(len(WORD.findall(text)) for text in texts)
        data = [{"object": "embedding", "index": i, "embedding": self.vector(t).tolist()} for i, t in enumerate(texts)]
        usage = {"prompt_tokens": tokens, "total_tokens": tokens}
        return Reply(200, {"object": "list", "data": data, "model": self.model or body["model"], "usage": usage})

    def vector(self, text) -> np.ndarray:
        vector = np.zeros(self.dims, dtype=np.float32)
        for word in WORD.findall(text.lower()):
            vector[int.from_bytes(hashlib.blake2b(word.encode(), digest_size=4).digest(), "big") % self.dims] += 1
        norm = np.linalg.norm(vector)
        return vector / norm if norm else vector


def _inputs(body):
    value = body.get("input") if isinstance(body, dict) else None
    if isinstance(value, str):
        return [value]
    return value if isinstance(value, list) else None
