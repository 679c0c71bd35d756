"""The client every OpenAI-compatible provider shares: one `requests.Session` per provider (its
connection pool used directly: apps/ai/providers/transport.py), explicit (connect, read)
timeouts, one short wait for a short `Retry-After` (or `retry-after-ms`) on a 429 or 503, and every
failure classified into a `ProviderError`. A subclass names its settings and reads its own error
bodies."""

import math
import os
import time

import requests
from django.conf import settings

from apps.ai.providers import errors, transport
from apps.ai.providers.answers import ProviderAnswer, parse_completion
from apps.ai.providers.errors import ProviderError
from apps.core import backoff

MIN_RETRY_S = 0.05  # a retry left less time than this to answer is not worth sending


class OpenAICompatibleProvider:
    name = ""
    title = ""

    def __init__(self, *, api_key: str, base_url: str, default_model: str):
        self.api_key = api_key
        self.base_url = base_url.rstrip("/")
        self.default_model = default_model
        self.session = environment_session(self.base_url)
        self.transport = transport.Transport(self.session, f"{self.base_url}/chat/completions")

    @property
    def configured(self) -> bool:
        return bool(self.api_key)

    def chat(
        self, messages, *, model=None, max_tokens=None, temperature=None, options=None, timeout=None
    ) -> ProviderAnswer:
        """One chat completion within `timeout` (AI_TIMEOUT_S) seconds of waiting for answers: a short
        `Retry-After` on a rate limit or a 503 is waited out once when the wait and a retry still fit."""
        if not self.configured:
            raise ProviderError(errors.NOT_CONFIGURED, f"No API key is set for {self.title}.")
        payload = self.payload(messages, model or self.default_model, max_tokens, temperature, options)
        budget = float(timeout or settings.AI_TIMEOUT_S)
        deadline = time.monotonic() + budget
        try:
            return self._attempt(payload, budget)
        except ProviderError as error:
            left = deadline - time.monotonic() - (error.retry_after or 0)
            if not self._worth_waiting(error) or left <= MIN_RETRY_S:
                raise
            time.sleep(error.retry_after)
            return self._attempt(payload, left)

    def payload(self, messages, model, max_tokens, temperature, options=None) -> dict:
        body = {**(options or {}), "model": model, "messages": list(messages)}
        if max_tokens is not None:
            body["max_tokens"] = max_tokens
        if temperature is not None:
            body["temperature"] = temperature
        return body

    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.api_key}"}

    def timeouts(self, read: float) -> tuple[float, float]:
        return (min(settings.AI_CONNECT_TIMEOUT_S, read), read)

    def _attempt(self, payload, timeout) -> ProviderAnswer:
        started = time.monotonic()
        response = self._post(payload, timeout)
        latency_ms = round((time.monotonic() - started) * 1000)
        if response.status_code != 200:
            raise self.classify(response.status_code, _json(response), response.headers)
        body = _json(response)
        if body is None:
            raise ProviderError(errors.INVALID_RESPONSE, "The 200 response is not JSON.", status=200)
        return parse_completion(body, requested_model=payload["model"], latency_ms=latency_ms)

    def _post(self, payload, timeout):
        try:
            return self.transport.post_json(payload, self.headers(), self.timeouts(timeout))
        except transport.TransportTimeout as exc:
            raise ProviderError(errors.TIMEOUT, f"{self.title} did not answer in time ({exc}).") from exc
        except transport.Unreachable as exc:
            raise ProviderError(errors.CONNECTION, f"{self.title} could not be reached: {exc}"[:500]) from exc

    def _worth_waiting(self, error: ProviderError) -> bool:
        short = error.retry_after is not None and error.retry_after <= settings.AI_RETRY_AFTER_MAX_S
        busy = error.kind == errors.RATE_LIMITED or error.status == 503
        return busy and short and error.retryable

    def classify(self, status: int, body, headers) -> ProviderError:
        """The error for a non-200 answer, by status; subclasses read their own bodies first."""
        message = self.error_message(body) or f"HTTP {status}"
        return ProviderError(
            status_kind(status),
            message,
            status=status,
            retry_after=retry_after(headers),
            code=self.error_code(body),
            retryable=str(headers.get("x-should-retry") or "").strip().lower() != "false",
        )

    def error_message(self, body) -> str:
        error = body.get("error") if isinstance(body, dict) else None
        if isinstance(error, dict):
            return str(error.get("message") or "")[:500]
        return str(error or "")[:500]

    def error_code(self, body) -> str:
        error = body.get("error") if isinstance(body, dict) else None
        code = error.get("code") if isinstance(error, dict) else None
        return code if isinstance(code, str) else ""


def environment_session(base_url: str) -> requests.Session:
    """A session that reads the environment (HTTPS_PROXY, NO_PROXY, REQUESTS_CA_BUNDLE) once, here,
    instead of on every request: requests scans all of `os.environ` for proxies twice per call
    (~0.4 ms), and a process's environment does not change. It also ignores ~/.netrc, whose
    credentials would replace our Authorization header."""
    session = requests.Session()
    session.proxies = requests.utils.get_environ_proxies(base_url)
    session.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
    session.trust_env = False
    return session


def retry_after(headers) -> float | None:
    """Seconds to wait, as openai-python reads them: `retry-after-ms` first, then `Retry-After`
    (seconds or an HTTP date); None when neither is readable (or is "inf", which JSON cannot keep)."""
    millis = _finite(headers.get("retry-after-ms"))
    if millis is not None:
        return millis / 1000
    return _finite(backoff.retry_after_seconds(headers.get("Retry-After")))


def _finite(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and number >= 0 else None


def status_kind(status: int) -> str:
    if status in (408, 504):
        return errors.TIMEOUT
    if status == 429:
        return errors.RATE_LIMITED
    if status >= 500:
        return errors.SERVER_ERROR
    if status == 402:
        return errors.CREDITS
    if status in (401, 403):
        return errors.UNAUTHORIZED
    return errors.BAD_REQUEST


def _json(response):
    try:
        return response.json()
    except ValueError:
        return None
