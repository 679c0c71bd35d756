"""The provider that always answers, with no network: the fixed fallback text. The gateway puts the
tenant's own text (`TenantAISettings.fallback_text`) in its place; the probe and direct callers get
the default."""

from decimal import Decimal

from apps.ai.providers.answers import ProviderAnswer

MODEL = "mock"
TEXT = "We are having trouble answering right now; a person will reply soon."


class MockProvider:
    name = "mock"
    title = "Mock"
    SETTINGS = ()
    configured = True
    default_model = MODEL

    @classmethod
    def from_settings(cls):
        return cls()

    def chat(self, messages, *, model=None, max_tokens=None, temperature=None, options=None, timeout=None, text=None):
        return ProviderAnswer(
            text=text or TEXT, model=MODEL, prompt_tokens=0, completion_tokens=0, cost_usd=Decimal(0), latency_ms=0
        )
