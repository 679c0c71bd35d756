"""One small request to each provider, outside the gateway: the runbook's "test with a single
request" after an outage, the overview's button, `manage.py ai_probe` and the AI provider monitor.

It calls `get_provider(name).chat` directly, so an open circuit does not stop it (that is the
point after a recovery) and no tenant's limits or AIRequest rows are involved. It changes nothing.
It sends no temperature (reasoning models refuse any but their own), and a reply that spent the
small token budget before writing text (`no_answer`: a reasoning model thinking) still shows the
provider reached, authorised and answering: the probe asks whether the provider works, not for prose."""

import time
from dataclasses import dataclass

from django.conf import settings

from apps.ai.providers import CHAIN, ProviderError, get_provider
from apps.ai.providers.errors import NO_ANSWER

PROBE_MESSAGES = ({"role": "user", "content": "Reply with the single word: pong"},)
PROBE_MAX_TOKENS = 16
OK, FAILED, NOT_CONFIGURED = "ok", "failed", "not_configured"
REAL_PROVIDERS = tuple(name for name in CHAIN if name != "mock")


@dataclass(frozen=True)
class ProbeResult:
    provider: str
    status: str  # ok, failed or not_configured
    latency_ms: int | None = None
    model: str = ""
    error_kind: str = ""
    error: str = ""
    answer: str = ""

    @property
    def ok(self) -> bool:
        return self.status == OK

    @property
    def summary(self) -> str:
        if self.status == NOT_CONFIGURED:
            return f"{self.provider}: no API key set"
        if self.ok:
            return f"{self.provider}: ok in {self.latency_ms} ms ({self.model})"
        return f"{self.provider}: {self.error_kind} after {self.latency_ms} ms — {self.error}"


def probe(provider=None) -> list[ProbeResult]:
    """One result per provider of the chain (or only `provider`), in chain order."""
    names = CHAIN if provider is None else (provider,)
    unknown = [name for name in names if name not in CHAIN]
    if unknown:
        raise ValueError(f"Unknown provider {unknown[0]!r}; choose one of {', '.join(CHAIN)}.")
    return [probe_one(name) for name in names]


def probe_one(name) -> ProbeResult:
    client = get_provider(name)
    if not client.configured:
        return ProbeResult(name, NOT_CONFIGURED, model=client.default_model)
    started = time.monotonic()
    try:
        answer = client.chat(list(PROBE_MESSAGES), max_tokens=PROBE_MAX_TOKENS, timeout=settings.AI_PROBE_TIMEOUT_S)
    except ProviderError as error:
        return _answered_without_text(name, client, started, error) or ProbeResult(
            name, FAILED, _elapsed(started), client.default_model, error.kind, _described(error), answer=""
        )
    return ProbeResult(name, OK, answer.latency_ms or _elapsed(started), answer.model, answer=answer.text[:80])


def _answered_without_text(name, client, started, error) -> ProbeResult | None:
    if error.kind != NO_ANSWER:
        return None
    return ProbeResult(name, OK, _elapsed(started), client.default_model, answer=f"(no text: {error.message})"[:80])


def configured_providers() -> list[str]:
    """The real providers with a key set; empty means every call goes to the mock."""
    return [name for name in REAL_PROVIDERS if get_provider(name).configured]


def _elapsed(started) -> int:
    return round((time.monotonic() - started) * 1000)


def _described(error: ProviderError) -> str:
    status = f"HTTP {error.status}: " if error.status else ""
    return f"{status}{error.message}"[:300]
