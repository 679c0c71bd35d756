"""The one way a request refused before the gateway is recorded: a body the OpenAI-compatible
endpoint could not accept is still an `AIRequest` (outcome `invalid`), so operators see who sends
what, and nothing else is stored."""

from django.utils import timezone

from apps.ai.models import AIRequest, Feature, Outcome
from apps.core import context

MAX_MESSAGE = 500


def record_invalid(tenant, *, code, message, feature=Feature.API) -> AIRequest:
    """`code` is the error code the caller received (OpenAI's, e.g. `invalid_type`), `message` its text."""
    return AIRequest.objects.create(
        tenant=tenant,
        feature=feature,
        outcome=Outcome.INVALID,
        refusal_code=code[:64],
        completion=message[:MAX_MESSAGE],
        correlation_id=context.current_correlation_id() or "",
        created_at=timezone.now(),
    )
