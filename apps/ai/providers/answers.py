"""A provider's completion as the gateway reads it, and how an OpenAI-shaped body becomes one."""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from apps.ai.providers.errors import INVALID_RESPONSE, NO_ANSWER, ProviderError

STOP, LENGTH, CONTENT_FILTER = "stop", "length", "content_filter"
UNANSWERED = (LENGTH, CONTENT_FILTER)  # an empty answer that ended so is no answer, not a broken provider


@dataclass(frozen=True)
class ProviderAnswer:
    """`finish_reason` as the provider gave it ("length": the text was cut at the token budget).
    `refused`: `text` is the model's refusal (OpenAI's `message.refusal`), not its content."""

    text: str
    model: str
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cost_usd: Decimal | None = None
    latency_ms: int = 0
    finish_reason: str = STOP
    refused: bool = False


def parse_completion(body, *, requested_model: str, latency_ms: int) -> ProviderAnswer:
    """The first choice's text (or refusal) and the usage of an OpenAI chat completion. A 200 that is
    not one (no choices, no text, `finish_reason: "error"` or an `error` object, which OpenRouter
    sends when the model fails after the response started) raises `invalid_response`; an answer the
    content filter stopped, or an empty one cut at the token budget, raises `no_answer`."""
    if not isinstance(body, dict):
        raise ProviderError(INVALID_RESPONSE, "The body is not a JSON object.", status=200)
    if isinstance(body.get("error"), dict):
        raise ProviderError(INVALID_RESPONSE, _error_message(body["error"]), status=200)
    choice = _first_choice(body)
    finish_reason = _finish_reason(choice)
    text, refused = _message_text(choice, finish_reason)
    usage = body.get("usage") if isinstance(body.get("usage"), dict) else {}
    return ProviderAnswer(
        text=text,
        model=str(body.get("model") or requested_model),
        prompt_tokens=_count(usage.get("prompt_tokens")),
        completion_tokens=_count(usage.get("completion_tokens")),
        cost_usd=_money(usage.get("cost")),
        latency_ms=latency_ms,
        finish_reason=finish_reason,
        refused=refused,
    )


def _first_choice(body) -> dict:
    choices = body.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise ProviderError(INVALID_RESPONSE, "The completion has no choices.", status=200)
    choice = choices[0]
    if choice.get("finish_reason") == "error" or isinstance(choice.get("error"), dict):
        raise ProviderError(INVALID_RESPONSE, _error_message(choice.get("error") or {}), status=200)
    return choice


def _finish_reason(choice) -> str:
    reason = choice.get("finish_reason")
    return reason[:32] if isinstance(reason, str) and reason else STOP


def _message_text(choice, finish_reason: str) -> tuple[str, bool]:
    """(text, refused): the content, else the model's refusal, which is its answer too."""
    message = choice.get("message") if isinstance(choice.get("message"), dict) else {}
    content, refusal = _text(message.get("content")), _text(message.get("refusal"))
    if content and finish_reason != CONTENT_FILTER:
        return content, False
    if refusal:
        return refusal, True
    if content or finish_reason in UNANSWERED:
        raise ProviderError(NO_ANSWER, _no_answer_message(finish_reason, partial=bool(content)), status=200)
    raise ProviderError(INVALID_RESPONSE, "The completion's message has no text content.", status=200)


def _text(value) -> str:
    return value if isinstance(value, str) and value.strip() else ""


def _no_answer_message(finish_reason: str, *, partial: bool) -> str:
    if finish_reason == CONTENT_FILTER:
        cut = "stopped part-way" if partial else "withheld"
        return f"The provider's content filter {cut} the answer (finish_reason content_filter)."
    return "The model used its token budget before writing any answer (finish_reason length)."


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
