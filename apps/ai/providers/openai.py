"""OpenAI's chat completions. Errors are `{"error": {"message", "type", "param", "code"}}`; a 429
whose type or code is `insufficient_quota` (or one of the billing codes) is billing, not a rate
limit: waiting does not help, so it is `quota` and never retried. The completion limit goes out as
`max_completion_tokens`: OpenAI deprecated `max_tokens`, and its reasoning models (o-series, gpt-5)
refuse it with a 400."""

from django.conf import settings

from apps.ai.providers import errors
from apps.ai.providers.base import OpenAICompatibleProvider

BILLING_CODES = frozenset(
    {
        "insufficient_quota",
        "credit_balance_exhausted",
        "organization_spend_limit_exceeded",
        "project_spend_limit_exceeded",
        "organization_usage_limit_exceeded",
        "billing_hard_limit_reached",
    }
)


class OpenAIProvider(OpenAICompatibleProvider):
    name = "openai"
    SETTINGS = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL")
    title = "OpenAI"

    @classmethod
    def from_settings(cls):
        return cls(
            api_key=settings.OPENAI_API_KEY, base_url=settings.OPENAI_BASE_URL, default_model=settings.OPENAI_MODEL
        )

    def payload(self, messages, model, max_tokens, temperature, options=None) -> dict:
        body = super().payload(messages, model, None, temperature, options)
        if max_tokens is not None:
            body["max_completion_tokens"] = max_tokens
        return body

    def classify(self, status, body, headers):
        error = super().classify(status, body, headers)
        if status == 429 and _billing(body):
            error.kind, error.retry_after = errors.QUOTA, None
        return error


def _billing(body) -> bool:
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return False
    return bool({str(error.get("type")), str(error.get("code"))} & BILLING_CODES)
