"""The provider chain: OpenRouter → OpenAI → mock, starting at `SystemSettings.default_ai_provider`.

A provider without a key is skipped, one whose circuit is open is skipped without a network call,
a failure that falls back moves on to the next, and a configuration error (400/401: our key, model
or request is wrong) ends the chain at the mock, because another provider would not fix it. The mock
always answers, with the tenant's fallback text. Nothing here touches the database inside a
transaction: the circuit's updates are single statements."""

import time
from dataclasses import dataclass, field

from apps.ai import circuit
from apps.ai.providers import CHAIN, ProviderAnswer, ProviderError, get_provider
from apps.ai.providers import errors as kinds

MOCK = "mock"
ANSWERED, FAILED, SKIPPED = "answered", "failed", "skipped"


@dataclass(frozen=True)
class Attempt:
    provider: str
    outcome: str
    model: str = ""
    kind: str = ""
    status: int | None = None
    message: str = ""
    latency_ms: int = 0
    finish_reason: str = ""

    def as_json(self) -> dict:
        return {key: value for key, value in self.__dict__.items() if value not in ("", None)}


@dataclass(frozen=True)
class ChainResult:
    answer: ProviderAnswer
    provider: str
    attempts: tuple[Attempt, ...] = ()
    misconfigured: ProviderError | None = field(default=None)
    misconfigured_provider: str = ""
    rejected: ProviderError | None = field(default=None)
    rejected_provider: str = ""

    @property
    def fallback(self) -> bool:
        """The mock answered because real providers failed (not because none is configured, the
        kill switch chose it, or the models gave no answer to this request)."""
        return self.provider == MOCK and any(_failed_provider(a) for a in self.attempts)

    @property
    def unanswered(self) -> bool:
        """The mock answered because the models gave no answer (`no_answer`), none having failed."""
        return self.provider == MOCK and not self.fallback and any(a.kind == kinds.NO_ANSWER for a in self.attempts)

    @property
    def errors(self) -> list[dict]:
        return [attempt.as_json() for attempt in self.attempts if attempt.outcome != ANSWERED]


CIRCUIT_OPEN = "circuit open: skipped while the provider cools down"


def _failed_provider(attempt: Attempt) -> bool:
    if attempt.outcome == FAILED:
        return attempt.kind != kinds.NO_ANSWER
    return attempt.message == CIRCUIT_OPEN


def providers_from(start: str) -> tuple[str, ...]:
    """The chain from `start` on; the kill switch (`mock`) is the mock alone."""
    return CHAIN[CHAIN.index(start) :] if start in CHAIN else CHAIN


def model_for(provider: str, model: str | None) -> str | None:
    """A bot's model for this provider: OpenRouter names models "vendor/model"; OpenAI takes the
    bare name of an OpenAI model and its own default for another vendor's."""
    if not model:
        return None
    if provider == "openrouter":
        return model if "/" in model else f"openai/{model}"
    vendor, _, name = model.rpartition("/")
    return name if vendor in ("", "openai") else None


def run(
    messages,
    *,
    start: str,
    model=None,
    max_tokens=None,
    temperature=None,
    options=None,
    fallback_text="",
    circuits=None,
) -> ChainResult:
    """`circuits`: {provider: ProviderCircuit} as the caller already read them (missing ones are read
    here); `options`: further OpenAI request fields sent to each provider as they are."""
    attempts: list[Attempt] = []
    circuits = circuits or {}
    for name in providers_from(start):
        if name == MOCK:
            break
        asked = (model_for(name, model), max_tokens, temperature, options)
        answer, stop = _try(name, messages, *asked, attempts, circuits.get(name))
        if answer is not None:
            return ChainResult(answer, name, tuple(attempts))
        if stop is not None and callers_fault(stop, options):
            return _mock(messages, fallback_text, attempts, rejected=stop, rejected_provider=name)
        if stop is not None:
            return _mock(messages, fallback_text, attempts, misconfigured=stop, misconfigured_provider=name)
    return _mock(messages, fallback_text, attempts)


def callers_fault(error: ProviderError, options) -> bool:
    """A 400 to a request that carried the caller's own options (JSON mode, stop sequences…) and does
    not name our model or key is the caller's to fix (OpenAI refuses JSON mode when no message says
    "JSON"): it goes back to the caller, and operators are not told their settings are wrong."""
    return bool(options) and error.kind == kinds.BAD_REQUEST and error.code not in kinds.OUR_SETTINGS_CODES


def _try(name, messages, model, max_tokens, temperature, options, attempts, known_circuit=None):
    """(answer, None) on success, (None, error) for a configuration error, (None, None) to move on."""
    provider = get_provider(name)
    if not provider.configured:
        attempts.append(Attempt(name, SKIPPED, kind=kinds.NOT_CONFIGURED, message="no API key set"))
        return None, None
    admission = circuit.admit(name, known=known_circuit)
    if admission == circuit.SHUT:
        attempts.append(Attempt(name, SKIPPED, kind="circuit_open", message=CIRCUIT_OPEN))
        return None, None
    started = time.monotonic()
    try:
        answer = provider.chat(messages, model=model, max_tokens=max_tokens, temperature=temperature, options=options)
    except ProviderError as error:
        _record(name, error, admission)
        attempts.append(_failed(name, model or provider.default_model, error, _ms_since(started)))
        return None, (None if error.falls_back else error)
    if admission != circuit.CLEAN:
        circuit.record_success(name)
    attempts.append(_answered(name, answer))
    return answer, None


def _record(name, error: ProviderError, admission):
    """A failure that says the provider is unwell counts against its circuit; one that says it
    answered (moderation, our configuration) counts as reachable."""
    if error.counts_against_provider:
        circuit.record_failure(name, error)
    elif admission != circuit.CLEAN:
        circuit.record_success(name)


def _answered(name, answer: ProviderAnswer) -> Attempt:
    return Attempt(name, ANSWERED, model=answer.model, latency_ms=answer.latency_ms, finish_reason=answer.finish_reason)


def _failed(name, model, error: ProviderError, latency_ms: int) -> Attempt:
    return Attempt(
        name,
        FAILED,
        model=model,
        kind=error.kind,
        status=error.status,
        message=error.message[:300],
        latency_ms=latency_ms,
    )


def _ms_since(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


def _mock(messages, fallback_text, attempts, **stopped) -> ChainResult:
    answer = get_provider(MOCK).chat(messages, text=fallback_text)
    attempts.append(Attempt(MOCK, ANSWERED, model=answer.model))
    return ChainResult(answer, MOCK, tuple(attempts), **stopped)
