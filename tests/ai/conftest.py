"""Fixtures for the AI gateway's tests (shared by every tests/ai module).

`openrouter` and `openai` are running `FakeLLM` servers (tests/fakes/openai_compat.py) wired into
settings with their keys, so `get_provider()` and `complete()` talk to them; `chain_from(name)`
sets `SystemSettings.default_ai_provider`. A test that wants a provider unconfigured sets its
`*_API_KEY` to "" itself. Timeouts are short so a hanging fake costs a fraction of a second."""

import pytest

from apps.tenants.models import SystemSettings
from tests.fakes.openai_compat import OPENAI, OPENROUTER, FakeLLM


@pytest.fixture
def ai_settings(settings):
    settings.AI_TIMEOUT_S = 0.5
    settings.AI_CONNECT_TIMEOUT_S = 0.5
    settings.AI_RETRY_AFTER_MAX_S = 0.2
    settings.AI_CIRCUIT_FAILURES = 3
    settings.AI_CIRCUIT_COOLDOWN_S = 60
    return settings


@pytest.fixture
def openrouter(ai_settings):
    with FakeLLM(OPENROUTER, api_key="sk-or-v1-test", reply_text="OpenRouter says hi.") as fake:
        ai_settings.OPENROUTER_BASE_URL = fake.base_url
        ai_settings.OPENROUTER_API_KEY = fake.api_key
        yield fake


@pytest.fixture
def openai(ai_settings):
    with FakeLLM(OPENAI, api_key="sk-proj-test", reply_text="OpenAI says hi.") as fake:
        ai_settings.OPENAI_BASE_URL = fake.base_url
        ai_settings.OPENAI_API_KEY = fake.api_key
        yield fake


@pytest.fixture
def no_provider_keys(ai_settings):
    ai_settings.OPENROUTER_API_KEY = ""
    ai_settings.OPENAI_API_KEY = ""
    return ai_settings


@pytest.fixture
def chain_from(db):
    def set_default(provider):
        system = SystemSettings.load()
        system.default_ai_provider = provider
        system.save()

    return set_default
