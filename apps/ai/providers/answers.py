"""A provider's completion as the gateway reads it, and how an OpenAI-shaped body becomes one."""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from apps.ai.providers.errors import INVALID_RESPONSE, ProviderError


@dataclass(frozen=True)
class ProviderAnswer:
    text: str
    model: str
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cost_usd: Decimal | None = None
    latency_ms: int = 0


def parse_completion(body, *, requested_model: str, latency_ms: int) -> ProviderAnswer:
    """The first choice's text and the usage of an OpenAI chat completion. A 200 that is not one
    (no choices, no message content, `finish_reason: "error"` or an `error` object, which OpenRouter
    sends when the model fails after the response started) raises `invalid_response`."""
    if not isinstance(body, dict):
        raise ProviderError(INVALID_RESPONSE, "The body is not a JSON object.", status=200)
    if isinstance(body.get("error"), dict):
        raise ProviderError(INVALID_RESPONSE, _error_message(body["error"]), status=200)
    choice = _first_choice(body)
    text = _message_text(choice)
    usage = body.get("usage") if isinstance(body.get("usage"), dict) else {}
    return ProviderAnswer(
        text=text,
        model=str(body.get("model") or requested_model),
        prompt_tokens=_count(usage.get("prompt_tokens")),
        completion_tokens=_count(usage.get("completion_tokens")),
        cost_usd=_money(usage.get("cost")),
        latency_ms=latency_ms,
    )


def _first_choice(body) -> dict:
    choices = body.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise ProviderError(INVALID_RESPONSE, "The completion has no choices.", status=200)
    choice = choices[0]
    if choice.get("finish_reason") == "error" or isinstance(choice.get("error"), dict):
        raise ProviderError(INVALID_RESPONSE, _error_message(choice.get("error") or {}), status=200)
    return choice


def _message_text(choice) -> str:
    message = choice.get("message")
    content = message.get("content") if isinstance(message, dict) else None
    if not isinstance(content, str) or not content.strip():
        raise ProviderError(INVALID_RESPONSE, "The completion's message has no text content.", status=200)
    return content


def _error_message(error: dict) -> str:
    return str(error.get("message") or "The model failed while answering (finish_reason error).")[:500]


def _count(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _money(value) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    return amount if amount.is_finite() and amount >= 0 else None
