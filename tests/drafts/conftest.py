"""The AI drafts loop's pieces, real wherever they can be: a local Chatwoot (tests/fakes/chatwoot.py)
that stores notes and messages and posts its webhooks to Opsdesk's live server, the local AI
provider (tests/fakes/openai_compat.py) and the real knowledge search over a small synced corpus
(ten conversations of the evaluation set, embedded by the real local model)."""

from types import SimpleNamespace

import pytest

from apps.drafts import services
from apps.knowledge import search
from tests.fakes.chatwoot import FakeChatwoot
from tests.fakes.openai_compat import sole_provider
from tests.integrations.services import wait_until
from tests.knowledge.search_fixtures import searchable_source

DRAFT_TEXT = "Yes: our underground garage costs 15 EUR a night; no need to reserve a spot."
PARKING = "Hi! Is there parking at the hotel? We are coming by car."


@pytest.fixture(autouse=True)
def _fresh_search_cache():
    search.forget_cache()
    yield
    search.forget_cache()


@pytest.fixture
def llm(settings):
    with sole_provider(settings, api_key="sk-or-v1-test", reply_text=DRAFT_TEXT) as fake:
        yield fake


@pytest.fixture
def chatwoot():
    with FakeChatwoot(account_id=7, token="test-chatwoot-token") as fake:
        yield fake


@pytest.fixture
def fast_retries(settings):
    settings.DRAFTS_BACKOFF_BASE_S = 0.2
    settings.DRAFTS_BACKOFF_MAX_S = 0.5
    settings.CHATWOOT_BACKOFF_BASE_S = 0.01
    settings.CHATWOOT_BACKOFF_MAX_S = 0.05
    return settings


def hotel_source(tenant, chatwoot, **draft_settings):
    """The tenant's project "hotel" reading `chatwoot`, searchable, with AI drafts on."""
    source = searchable_source(tenant, "hotel", base_url=chatwoot.url, account_id=chatwoot.account_id)
    values = {"enabled": True, "min_score": 0.3, **draft_settings}
    services.update_settings(source, by="tests", **values)
    return source


@pytest.fixture
def loop(tenant, chatwoot, llm, live_server, fast_retries):
    """Everything wired: Chatwoot's webhooks reach the live server, which runs the tasks eagerly."""
    source = hotel_source(tenant, chatwoot)
    chatwoot.send_webhooks_to(f"{live_server.url}/webhooks/chatwoot/{source.connection.pk}/")
    conversation = chatwoot.add_conversation(inbox_id=1, contact_name="Ada Lovelace")
    return SimpleNamespace(source=source, chatwoot=chatwoot, llm=llm, conversation=conversation["id"])


def settled(chatwoot):
    """Waits until Chatwoot has delivered every webhook and Opsdesk has answered each."""
    wait_until(chatwoot.webhooks_idle, timeout=60, what="Chatwoot's webhooks to be delivered")
