"""The AI drafts loop across a real Celery worker on a Redis of the test's own: the local Chatwoot
posts its webhooks to the live server, which stores them and publishes to the worker; the worker
drafts (real search, local AI provider), posts the note, and publishes the approved reply. A 500 on
the reply is retried by the worker's own countdown, and the customer receives one reply."""

import pytest

from apps.drafts.models import AIDraft
from tests.drafts.conftest import DRAFT_TEXT, PARKING
from tests.fakes.chatwoot import SERVER_ERROR
from tests.integrations.services import OwnRedis, Worker, publishing_to, wait_until

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
S = AIDraft.Status


@pytest.fixture
def worker(loop):
    redis = OwnRedis().start()
    running = Worker(
        redis.url,
        OPENROUTER_BASE_URL=loop.llm.base_url,
        OPENROUTER_API_KEY=loop.llm.api_key,
        OPENAI_API_KEY="",
        AI_TIMEOUT_S=5,
        DRAFTS_BACKOFF_BASE_S=0.5,
        DRAFTS_BACKOFF_MAX_S=1,
    ).start()
    with publishing_to(redis.url):
        yield running
    running.stop()
    redis.stop()


def draft_in(status, **filters):
    wait_until(lambda: AIDraft.objects.filter(status=status, **filters).exists(), timeout=120, what=f"a {status} draft")
    return AIDraft.objects.get(status=status, **filters)


def replies(loop):
    return [m["content"] for m in loop.chatwoot.outgoing(loop.conversation)]


def test_message_note_edited_approval_reply_then_a_new_question_supersedes_nothing_sent(loop, worker):
    first = loop.chatwoot.customer_writes(loop.conversation, PARKING)
    draft = draft_in(S.PROPOSED, message_id=first["id"])
    assert DRAFT_TEXT in loop.chatwoot.outgoing(loop.conversation, private=True)[0]["content"]

    loop.chatwoot.agent_writes(loop.conversation, "/approve\nYes! The garage is 15 EUR a night.", private=True)
    published = draft_in(S.PUBLISHED, pk=draft.pk)
    assert replies(loop) == ["Yes! The garage is 15 EUR a night."] and published.edited

    second = loop.chatwoot.customer_writes(loop.conversation, "Is the garage open all night?")
    later = draft_in(S.PROPOSED, message_id=second["id"])
    third = loop.chatwoot.customer_writes(loop.conversation, "And can I charge an electric car there?")
    draft_in(S.SUPERSEDED, pk=later.pk)
    draft_in(S.PROPOSED, message_id=third["id"])
    assert replies(loop) == ["Yes! The garage is 15 EUR a night."]


def test_a_500_on_the_reply_is_retried_by_the_worker_and_the_customer_gets_one_reply(loop, worker):
    message = loop.chatwoot.customer_writes(loop.conversation, PARKING)
    draft = draft_in(S.PROPOSED, message_id=message["id"])
    loop.chatwoot.fail_post(SERVER_ERROR, SERVER_ERROR, private=False, store=True)

    loop.chatwoot.agent_writes(loop.conversation, "/approve", private=True)

    published = draft_in(S.PUBLISHED, pk=draft.pk)
    wait_until(loop.chatwoot.webhooks_idle, timeout=30, what="the webhooks")
    assert replies(loop) == [DRAFT_TEXT]
    assert published.published_message_id == loop.chatwoot.outgoing(loop.conversation)[0]["id"]
