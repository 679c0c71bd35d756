"""OpenRouter's chat completions (OpenAI-compatible). Errors are `{"error": {"code", "message",
"metadata"}}` (`code` is the HTTP status). A spent limit, 402 or 403 with `metadata.limit_source`
(credits, the key's limit, a guardrail's or workspace's budget), is `credits` and falls back, except
the in-flight budget, which says when to retry. Any other 403 refused this input before a model saw
it ("guardrail block, or moderation flag", OpenRouter's errors docs): `moderation`, which falls back
too. The key itself is 401's. Successes carry `usage.cost` in USD credits. `HTTP-Referer` and
`X-Title` attribute the calls to Opsdesk in OpenRouter's dashboard."""

from django.conf import settings

from apps.ai.providers import errors
from apps.ai.providers.base import OpenAICompatibleProvider

IN_FLIGHT_BUDGET = "openrouter_in_flight_budget"


class OpenRouterProvider(OpenAICompatibleProvider):
    name = "openrouter"
    SETTINGS = (
        "OPENROUTER_API_KEY",
        "OPENROUTER_BASE_URL",
        "OPENROUTER_MODEL",
        "OPENROUTER_SITE_URL",
        "OPENROUTER_APP_TITLE",
    )
    title = "OpenRouter"

    @classmethod
    def from_settings(cls):
        return cls(
            api_key=settings.OPENROUTER_API_KEY,
            base_url=settings.OPENROUTER_BASE_URL,
            default_model=settings.OPENROUTER_MODEL,
        )

    def headers(self):
        return {
            **super().headers(),
            "HTTP-Referer": settings.OPENROUTER_SITE_URL,
            "X-Title": settings.OPENROUTER_APP_TITLE,
        }

    def classify(self, status, body, headers):
        error = super().classify(status, body, headers)
        metadata = _metadata(body)
        if status in (402, 403) and metadata.get("limit_source"):
            _spent(error, str(metadata["limit_source"]))
        elif status == 403:
            _refused(error, metadata.get("reasons"))
        elif status == 400:
            error.code = error.code or _code_in(error.message)
        return error


def _spent(error, limit_source: str):
    error.kind = errors.RATE_LIMITED if limit_source == IN_FLIGHT_BUDGET else errors.CREDITS
    error.message = f"{error.message} (limit: {limit_source})"[:500]


def _refused(error, reasons):
    error.kind = errors.MODERATION
    if isinstance(reasons, list) and reasons:
        error.message = f"{error.message} (flagged: {', '.join(map(str, reasons))})"[:500]


def _code_in(message: str) -> str:
    """OpenAI's error code for an OpenRouter 400 whose message says the same thing (its `code` is the
    status), so the operator is told the right fix."""
    lowered = message.lower()
    if "context length" in lowered:
        return "context_length_exceeded"
    return "model_not_found" if "not a valid model" in lowered else ""


def _metadata(body) -> dict:
    error = body.get("error") if isinstance(body, dict) else None
    metadata = error.get("metadata") if isinstance(error, dict) else None
    return metadata if isinstance(metadata, dict) else {}
