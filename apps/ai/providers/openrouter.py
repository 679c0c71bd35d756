"""OpenRouter's chat completions (OpenAI-compatible). Errors are `{"error": {"code", "message",
"metadata"}}`: 402 is credits or a key limit (fall back) except the in-flight budget, which says when
to retry; 403 with `metadata.reasons` is a moderation refusal. Successes carry `usage.cost` in USD
credits. `HTTP-Referer` and `X-Title` attribute the calls to Opsdesk in OpenRouter's dashboard."""

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
        if status == 403 and metadata.get("reasons"):
            error.kind = errors.MODERATION
            error.message = f"{error.message} (flagged: {', '.join(map(str, metadata['reasons']))})"[:500]
        elif status == 402 and metadata.get("limit_source") == IN_FLIGHT_BUDGET:
            error.kind = errors.RATE_LIMITED
        return error


def _metadata(body) -> dict:
    error = body.get("error") if isinstance(body, dict) else None
    metadata = error.get("metadata") if isinstance(error, dict) else None
    return metadata if isinstance(metadata, dict) else {}
