"""The AI providers: OpenRouter, OpenAI (both OpenAI-compatible HTTP APIs) and the mock.

`get_provider(name)` returns the provider built from settings; its client (one `requests.Session`)
is kept for the process, so connections are reused. `CHAIN` is the order the gateway tries them in."""

from django.conf import settings

from apps.ai.providers.answers import ProviderAnswer
from apps.ai.providers.errors import KINDS, ProviderError
from apps.ai.providers.mock import MockProvider
from apps.ai.providers.openai import OpenAIProvider
from apps.ai.providers.openrouter import OpenRouterProvider

__all__ = ["CHAIN", "KINDS", "ProviderAnswer", "ProviderError", "get_provider", "reset"]

CHAIN = ("openrouter", "openai", "mock")
CLASSES = {"openrouter": OpenRouterProvider, "openai": OpenAIProvider, "mock": MockProvider}

_built: dict = {}


def get_provider(name: str):
    """The provider called `name` ("openrouter", "openai" or "mock"), built from settings once per
    process and rebuilt when its settings change (tests and `override_settings`)."""
    cls = CLASSES[name]
    signature = tuple(getattr(settings, setting) for setting in cls.SETTINGS)
    built = _built.get(name)
    if built is None or built[0] != signature:
        built = _built[name] = (signature, cls.from_settings())
    return built[1]


def reset():
    """Forgets the built clients and closes their sessions."""
    for _signature, provider in _built.values():
        session = getattr(provider, "session", None)
        if session is not None:
            session.close()
    _built.clear()
