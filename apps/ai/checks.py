"""The AI provider monitor's check (registered in apps.health.checks; the monitor `ai_provider`):
the probe, one small request to each provider with a key. A configured provider that fails fails
the check, whichever provider is the default; with no key set there is nothing external to reach
and the check passes, saying every call goes to the mock."""

from apps.ai import probe
from apps.health.checks import CheckFailed, check

NO_PROVIDER = "no provider configured: no AI provider key is set, so every AI call goes to the mock"


@check("ai_provider", "Each AI provider with a key answers one small request (apps.ai.probe)")
def ai_provider(*, tenant=None, connection=None):
    configured = probe.configured_providers()
    if not configured:
        return {"mock": "only provider"}, NO_PROVIDER
    results = [probe.probe_one(name) for name in configured]
    value = {result.provider: result.status for result in results}
    detail = "; ".join(result.summary for result in results)
    if not all(result.ok for result in results):
        raise CheckFailed(detail, value=value)
    return value, detail
