"""A local OpenAI-compatible chat completions server that answers as OpenAI or as OpenRouter.

    with FakeLLM("openrouter") as fake:          # or FakeLLM("openai")
        settings.OPENROUTER_BASE_URL = fake.base_url
        settings.OPENROUTER_API_KEY = fake.api_key
        fake.reply_text = "Check-in is at 3 pm."  # what successes say (the default answers "OK")
        fake.script(fake.rate_limited(retry_after=30), fake.server_error(502))  # next replies, then successes
        fake.always(fake.hang(5))                 # every request, until script()/always(None)
        fake.completions                          # the JSON bodies received on /chat/completions

Bodies follow the providers' documentation. OpenAI: `{"error": {"message", "type", "param",
"code"}}` (429 `insufficient_quota` is billing); successes carry `usage` with token counts.
OpenRouter: `{"error": {"code", "message", "metadata"}}` with the HTTP status in `code`; 402 for
credits or key limits, 403 with `metadata.reasons` for moderation; successes carry `usage.cost`
(USD) and `provider`. Either answers 401 to a wrong `Authorization: Bearer` key and 400 to a body
without messages. `broken()` and `stream_error()` are 200s that are not completions; `refusal()`,
`cut_short()` and `filtered()` are the 200s of a refusal, `finish_reason` length and content_filter."""

import itertools
import json
import time
from contextlib import contextmanager

from tests.fakes.server import FakeServer, Reply

OPENAI, OPENROUTER = "openai", "openrouter"
_ids = itertools.count(1)


class FakeLLM(FakeServer):
    def __init__(self, flavor=OPENAI, *, api_key="sk-test-key", reply_text="OK", cost=0.000042, usage=True):
        assert flavor in (OPENAI, OPENROUTER), flavor
        super().__init__()
        self.flavor, self.api_key, self.reply_text, self.cost, self.usage = flavor, api_key, reply_text, cost, usage
        self.prefix = "/v1" if flavor == OPENAI else "/api/v1"
        self._script: list[Reply] = []
        self._always: Reply | None = None
        self.route("POST", f"{self.prefix}/chat/completions", self._answer)

    @property
    def base_url(self) -> str:
        return self.url + self.prefix

    @property
    def completions(self) -> list[dict]:
        return [request.json() for request in self.requests_to(f"{self.prefix}/chat/completions")]

    def script(self, *replies):
        """The next requests get these replies in order; after them the server answers normally."""
        with self._lock:
            self._script = list(replies)

    def always(self, reply):
        """Every request gets `reply` (None: answer normally again)."""
        self._always = reply

    # --- replies -------------------------------------------------------------------------------

    def error(self, status, message, *, type_=None, code=None, param=None, metadata=None, headers=None) -> Reply:
        if self.flavor == OPENAI:
            body = {"error": {"message": message, "type": type_ or _openai_type(status), "param": param, "code": code}}
        else:
            body = {"error": {"code": status, "message": message, **({"metadata": metadata} if metadata else {})}}
        return Reply(status, body, headers or {})

    def rate_limited(self, retry_after=None) -> Reply:
        headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
        message = "Rate limit reached for requests" if self.flavor == OPENAI else "Rate limit exceeded"
        return self.error(429, message, code="rate_limit_exceeded", headers=headers)

    def quota(self) -> Reply:
        """OpenAI's billing 429: no credits left; retrying does not help."""
        message = "You exceeded your current quota, please check your plan and billing details."
        return self.error(429, message, type_="insufficient_quota", code="insufficient_quota")

    def credits(self) -> Reply:
        """OpenRouter's 402: the account or key has no credits left."""
        return self.error(402, "Insufficient credits. Add more using https://openrouter.ai/settings/credits")

    def in_flight_budget(self, retry_after=1) -> Reply:
        metadata = {"limit_source": "openrouter_in_flight_budget"}
        return self.error(
            402, "In-flight budget exceeded", metadata=metadata, headers={"Retry-After": str(retry_after)}
        )

    def moderation(self, reasons=("harassment",)) -> Reply:
        """OpenRouter's 403: the model requires moderation and the input was flagged."""
        metadata = {
            "reasons": list(reasons),
            "flagged_input": "…",
            "provider_name": "OpenAI",
            "model_slug": "openai/gpt-4o-mini",
        }
        return self.error(403, "Input was flagged by moderation", metadata=metadata)

    def server_error(self, status=500) -> Reply:
        messages = {500: "Internal server error", 502: "Provider returned error", 503: "No available provider"}
        metadata = {"provider_name": "OpenAI", "raw": "upstream error"} if status == 502 else None
        return self.error(status, messages.get(status, "Server error"), type_="server_error", metadata=metadata)

    def unauthorized(self) -> Reply:
        if self.flavor == OPENAI:
            return self.error(401, "Incorrect API key provided.", code="invalid_api_key")
        return self.error(401, "No auth credentials found")

    def bad_request(self, message="Invalid model") -> Reply:
        return self.error(400, message, param="model", code="model_not_found")

    def hang(self, seconds) -> Reply:
        """A success that arrives after `seconds`: past the client's timeout it is a hanging server."""
        return Reply(200, self.success_body("late"), delay=seconds)

    def stall(self, seconds) -> Reply:
        """A success whose headers arrive at once and whose body only after `seconds`."""
        return Reply(200, self.success_body("stalled"), stall=seconds)

    def trickle(self, size=20, every=0.1) -> Reply:
        """A success whose body arrives `size` bytes every `every` seconds: each read is quick, the
        whole answer slow (a slow proxy or upstream)."""
        return Reply(200, self.success_body("trickled"), trickle=(size, every))

    def broken(self, body=None) -> Reply:
        """A 200 that is not a completion (no choices by default)."""
        return Reply(
            200, body if body is not None else {"id": "gen-broken", "object": "chat.completion", "choices": []}
        )

    def stream_error(self) -> Reply:
        """OpenRouter's mid-generation failure: HTTP 200 with `finish_reason: "error"`."""
        body = self.success_body("")
        body["choices"][0].update(finish_reason="error", error={"code": 502, "message": "Upstream model failed"})
        return Reply(200, body)

    def refusal(self, text="I'm sorry, I can't help with that.") -> Reply:
        """OpenAI's refusal: HTTP 200, `content: null`, the model's words in `message.refusal`."""
        return self.finished("stop", None, refusal=text)

    def cut_short(self, text="Breakfast is served from") -> Reply:
        """`finish_reason: "length"`: the token budget ran out (`text=None`: a reasoning model spent it
        all before writing anything, so `content` is null)."""
        return self.finished("length", text)

    def filtered(self, text=None) -> Reply:
        """`finish_reason: "content_filter"`: the provider's filter withheld the answer (null content)
        or stopped it part-way (`text`)."""
        return self.finished("content_filter", text)

    def finished(self, finish_reason, content, *, refusal=None) -> Reply:
        body = self.success_body(content or "", completion_tokens=len((content or refusal or "").split()))
        body["choices"][0]["message"].update(content=content, refusal=refusal)
        body["choices"][0]["finish_reason"] = finish_reason
        return Reply(200, body)

    def success_body(self, text, *, model="", prompt_tokens=12, completion_tokens=None) -> dict:
        completion_tokens = len(text.split()) if completion_tokens is None else completion_tokens
        body = {
            "id": f"{'chatcmpl' if self.flavor == OPENAI else 'gen'}-{next(_ids)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model or "gpt-4o-mini",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text, "refusal": None},
                    "logprobs": None,
                    "finish_reason": "stop",
                }
            ],
        }
        if self.usage:
            body["usage"] = self._usage(prompt_tokens, completion_tokens)
        if self.flavor == OPENROUTER:
            body["provider"] = "OpenAI"
        return body

    # --- spent limits, refusals and retry hints ---------------------------------------------------
    # OpenRouter's 403 for a spent key/guardrail/workspace budget (`metadata.limit_source`, no
    # Retry-After) and for a guardrail block (no metadata); OpenAI's 403 for an unserved region and its
    # 400 for a prompt over the context window; a 429 or 5xx with `Retry-After`, `retry-after-ms` (read
    # first by openai-python) or `x-should-retry`. The OpenAI flavour refuses `max_tokens` for its
    # reasoning models (o-series, gpt-5), as OpenAI does.

    REASONING_MODELS = ("o1", "o3", "o4", "gpt-5")

    def budget_spent(self, limit_source="openrouter_key_limit") -> Reply:
        metadata = {
            "limit_source": limit_source,
            "scope": "key_limit",
            "limit_usd": 10,
            "spend_usd": 10.02,
            "resets_at": None,
        }
        return self.error(403, "Key limit exceeded", metadata=metadata)

    def guardrail_block(self, message="Request blocked: prompt injection patterns detected") -> Reply:
        return self.error(403, message)

    def region_refused(self) -> Reply:
        message = "Country, region, or territory not supported"
        return self.error(403, message, type_="request_forbidden", code="unsupported_country_region_territory")

    def too_long(self) -> Reply:
        message = "This model's maximum context length is 128000 tokens. However, you requested 130512 tokens."
        return self.error(400, message, param="messages", code="context_length_exceeded")

    def retry_hinted(self, status=429, *, seconds=None, ms=None, should_retry=None) -> Reply:
        reply = self.rate_limited() if status == 429 else self.server_error(status)
        hints = {"Retry-After": seconds, "retry-after-ms": ms, "x-should-retry": should_retry}
        reply.headers.update({name: _header(value) for name, value in hints.items() if value is not None})
        return reply

    def _rejected_parameter(self, payload) -> Reply | None:
        reasoning = str(payload.get("model") or "").startswith(self.REASONING_MODELS)
        if self.flavor != OPENAI or not reasoning or "max_tokens" not in payload:
            return None
        message = (
            "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead."
        )
        return self.error(400, message, param="max_tokens", code="unsupported_parameter")

    def _json_mode_unasked(self, payload) -> Reply | None:
        """OpenAI refuses JSON mode unless a message asks for JSON in words."""
        json_mode = (payload.get("response_format") or {}).get("type") == "json_object"
        asked = any("json" in str(m.get("content", "")).lower() for m in payload["messages"] if isinstance(m, dict))
        if self.flavor != OPENAI or not json_mode or asked:
            return None
        message = (
            "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'."
        )
        return self.error(400, message, param="messages")

    # --- answering -----------------------------------------------------------------------------

    def _answer(self, request):
        with self._lock:
            scripted = self._script.pop(0) if self._script else None
        return scripted or self._always or self._complete(request)

    def _complete(self, request):
        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return self.unauthorized()
        try:
            payload = json.loads(request.body or b"null")
        except ValueError:
            return self.error(400, "We could not parse the JSON body of your request.")
        if not isinstance(payload, dict) or not isinstance(payload.get("messages"), list) or not payload["messages"]:
            return self.error(400, "Missing required parameter: 'messages'.", param="messages")
        if rejected := self._rejected_parameter(payload) or self._json_mode_unasked(payload):
            return rejected
        prompt_tokens = sum(
            len(str(m.get("content", "")).split()) + 4 for m in payload["messages"] if isinstance(m, dict)
        )
        return Reply(
            200, self.success_body(self.reply_text, model=str(payload.get("model") or ""), prompt_tokens=prompt_tokens)
        )

    def _usage(self, prompt_tokens, completion_tokens) -> dict:
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        }
        if self.flavor == OPENROUTER:
            usage.update(cost=self.cost, is_byok=False, prompt_tokens_details={"cached_tokens": 0})
        return usage


def _header(value) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _openai_type(status) -> str:
    if status == 429:
        return "requests"
    if status >= 500:
        return "server_error"
    return "invalid_request_error"


@contextmanager
def sole_provider(settings, flavor=OPENROUTER, *, timeout_s=1.0, **fake_options):
    """A running FakeLLM wired into `settings` as the only provider with a key, with short timeouts."""
    own, other = ("OPENROUTER", "OPENAI") if flavor == OPENROUTER else ("OPENAI", "OPENROUTER")
    with FakeLLM(flavor, **fake_options) as fake:
        setattr(settings, f"{own}_BASE_URL", fake.base_url)
        setattr(settings, f"{own}_API_KEY", fake.api_key)
        setattr(settings, f"{other}_API_KEY", "")
        settings.AI_TIMEOUT_S = settings.AI_CONNECT_TIMEOUT_S = timeout_s
        yield fake
