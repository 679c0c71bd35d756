"""AIRequest rows as the gateway writes them, for tests of the pages and metrics that read them
(only production code must go through apps.ai.services.complete)."""

from decimal import Decimal

import factory
from django.utils import timezone

from apps.ai.models import AIRequest, Feature, Guardrail, Outcome
from tests.factories import TenantFactory


class AIRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AIRequest

    tenant = factory.SubFactory(TenantFactory)
    feature = Feature.BOT_REPLY
    contact_id = "+4915112345678"
    provider = "openrouter"
    model = "openai/gpt-4o-mini"
    chain = factory.LazyAttribute(
        lambda r: [{"provider": r.provider, "outcome": "answered", "model": r.model, "latency_ms": 420}]
    )
    outcome = Outcome.ANSWERED
    prompt_tokens = 120
    completion_tokens = 30
    cost_usd = Decimal("0.000042")
    cost_source = "provider"
    latency_ms = 420
    guardrail = Guardrail.PASSED
    messages = factory.LazyFunction(
        lambda: [
            {"role": "system", "content": "You are the front desk of a small hotel."},
            {"role": "user", "content": "What time is check-in?"},
        ]
    )
    completion = "Check-in is from 3 pm."
    correlation_id = factory.Sequence(lambda n: f"req-ai-{n:06d}")
    created_at = factory.LazyFunction(timezone.now)


def fallback(**fields):
    """A request every real provider failed: the mock's text went out."""
    chain = [
        {
            "provider": "openrouter",
            "outcome": "failed",
            "kind": "server_error",
            "status": 502,
            "message": "Bad gateway",
        },
        {"provider": "openai", "outcome": "failed", "kind": "timeout", "message": "OpenAI did not answer in time"},
        {"provider": "mock", "outcome": "answered", "model": "mock"},
    ]
    defaults = dict(outcome=Outcome.FALLBACK, provider="mock", model="mock", chain=chain, cost_usd=Decimal(0))
    return AIRequestFactory(**{**defaults, **fields})
