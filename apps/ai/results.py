"""What `apps.ai.services.complete` returns to its caller (a bot, the API, a draft)."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Completion:
    """`ok`: a provider's answer passed every check. `text`: what the end customer should receive
    (the answer, the tenant's fallback text or safe reply; "" for a policy refusal or throttle).
    `code`: "" or the refusal or event code. `fallback`: the mock's text because every real provider
    failed. `retry_after_s`: for a limit, seconds until it resets. `finish_reason`: the provider's
    ("length": the answer was cut at the token budget). `refused_by_model`: `text` is the model's
    own refusal (OpenAI's `message.refusal`), which the customer receives like any answer."""

    ok: bool
    text: str
    outcome: str
    code: str = ""
    message: str = ""
    provider: str = ""
    model: str = ""
    fallback: bool = False
    request_id: int | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    retry_after_s: int | None = None
    finish_reason: str = "stop"
    refused_by_model: bool = False
    pending: tuple = field(default=(), compare=False, repr=False)

    def finish(self) -> None:
        """Writes what `complete(..., defer_record=True)` left for after the answer (its AIRequest row)."""
        for write in self.pending:
            write()

    @property
    def refused(self) -> bool:
        return bool(self.code) and not self.text
