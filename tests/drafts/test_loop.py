"""The AI drafts loop over HTTP: the local Chatwoot posts `message_created` webhooks to the live
server, the inbox processes them and the drafts tasks run (eagerly, in the server's process),
search is the real hybrid search and the AI the local provider server."""

import pytest

from apps.ai.models import AIRequest
from apps.drafts import jobs
from apps.drafts.models import AIDraft
from apps.events.models import AuditEvent, SystemEvent
from tests.drafts.conftest import DRAFT_TEXT, PARKING, settled
from tests.fakes.chatwoot import SERVER_ERROR
from tests.integrations.services import wait_until

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
S = AIDraft.Status


def draft_in(status, **filters):
    """Waits for the draft, running the sweeper meanwhile: tasks run eagerly here, so a retry's
    countdown is not kept and the sweeper (drafts.sweep, every minute) is what runs a due retry."""

    def there():
        jobs.sweep()
        return AIDraft.objects.filter(status=status, **filters).exists()

    wait_until(there, timeout=60, interval=0.2, what=f"a {status} draft")
    return AIDraft.objects.get(status=status, **filters)


def proposed(loop, text=PARKING):
    message = loop.chatwoot.customer_writes(loop.conversation, text)
    return draft_in(S.PROPOSED, message_id=message["id"])


def replies(loop):
    return [m["content"] for m in loop.chatwoot.outgoing(loop.conversation)]


def test_a_customer_question_gets_a_private_note_with_the_draft_and_its_sources(loop):
    draft = proposed(loop)

    [note] = loop.chatwoot.outgoing(loop.conversation, private=True)
    assert note["id"] == draft.note_id and note["private"] is True
    assert DRAFT_TEXT in note["content"]
    link = "https://chat.alpha.test/app/accounts/7/conversations/103"
    assert (
        note["content"].rstrip().endswith(")")
        and link.replace("https://chat.alpha.test", loop.chatwoot.url) in note["content"]
    )
    assert note["content"].index(DRAFT_TEXT) < note["content"].index("Sources:")
    assert draft.text == DRAFT_TEXT and draft.message_text == PARKING
    assert [s["conversation_id"] for s in draft.sources][0] == 103 and draft.sources[0]["score"] >= 0.3
    assert draft.search_hits and draft.query.endswith(PARKING)
    assert draft.ai_request.feature == "draft" and draft.ai_request.outcome == "answered"
    assert replies(loop) == []  # nothing reached the customer
    sent = loop.llm.completions[-1]["messages"]
    assert sent[0]["role"] == "system" and "underground garage" in sent[0]["content"]
    assert sent[-1] == {"role": "user", "content": PARKING}


def test_approve_publishes_the_draft_as_an_outgoing_message_once_and_audits_who(loop):
    draft = proposed(loop)

    loop.chatwoot.agent_writes(loop.conversation, "/approve", private=True)

    published = draft_in(S.PUBLISHED, pk=draft.pk)
    settled(loop.chatwoot)
    assert replies(loop) == [DRAFT_TEXT]
    assert published.published_message_id == loop.chatwoot.outgoing(loop.conversation)[0]["id"]
    assert (published.approved_by, published.approved_by_agent_id, published.edited) == (
        "Grace (agent) (Chatwoot agent 1)",
        1,
        False,
    )
    assert published.status == S.PUBLISHED  # our own reply's webhook did not supersede it
    audit = AuditEvent.objects.get(action="drafts.publish")
    assert audit.actor_label == "Grace (agent) (Chatwoot agent 1)" and audit.target_id == str(draft.pk)


def test_an_edited_approval_sends_the_agents_text(loop):
    draft = proposed(loop)

    loop.chatwoot.agent_writes(loop.conversation, "/approve\nYes, the garage is 15 EUR a night.", private=True)

    published = draft_in(S.PUBLISHED, pk=draft.pk)
    settled(loop.chatwoot)
    assert replies(loop) == ["Yes, the garage is 15 EUR a night."]
    assert published.edited is True and published.approved_text == "Yes, the garage is 15 EUR a night."


def test_reject_closes_the_draft_with_the_reason_and_sends_nothing(loop):
    draft = proposed(loop)

    loop.chatwoot.agent_writes(loop.conversation, "/reject prices changed in 2026", private=True)

    rejected = draft_in(S.REJECTED, pk=draft.pk)
    settled(loop.chatwoot)
    assert rejected.status_reason == "prices changed in 2026" and rejected.approved_by.startswith("Grace")
    assert replies(loop) == []
    assert AuditEvent.objects.filter(action="drafts.reject", target_id=str(draft.pk)).exists()


def test_the_customer_writing_again_supersedes_the_open_draft_and_drafts_anew(loop):
    first = proposed(loop)

    second = proposed(loop, "And is there a charging point for electric cars in the garage?")

    assert AIDraft.objects.get(pk=first.pk).status == S.SUPERSEDED
    assert "customer wrote again" in AIDraft.objects.get(pk=first.pk).status_reason
    loop.chatwoot.agent_writes(loop.conversation, "/approve", private=True)
    draft_in(S.PUBLISHED, pk=second.pk)
    assert AIDraft.objects.get(pk=first.pk).status == S.SUPERSEDED


def test_an_agent_answering_by_hand_supersedes_the_draft_and_approve_then_finds_nothing(loop):
    draft = proposed(loop)

    loop.chatwoot.agent_writes(loop.conversation, "Yes, we have a garage. See you soon!")
    draft_in(S.SUPERSEDED, pk=draft.pk)
    loop.chatwoot.agent_writes(loop.conversation, "/approve", private=True)
    settled(loop.chatwoot)

    assert replies(loop) == ["Yes, we have a garage. See you soon!"]
    assert "answered by hand" in AIDraft.objects.get(pk=draft.pk).status_reason


def test_a_question_the_knowledge_does_not_answer_gets_no_draft_but_is_recorded(loop):
    message = loop.chatwoot.customer_writes(loop.conversation, "Do you rent bicycles?")

    draft = draft_in(S.NO_KNOWLEDGE, message_id=message["id"])
    settled(loop.chatwoot)
    assert loop.chatwoot.outgoing(loop.conversation, private=True) == []
    assert loop.llm.completions == [] and not AIRequest.objects.exists()
    assert "needs 1" in draft.status_reason
    assert SystemEvent.objects.filter(code="AI_DRAFT_NO_KNOWLEDGE", tenant=loop.source.tenant).count() == 1


def test_ai_switched_off_for_the_tenant_writes_no_draft(loop):
    tenant = loop.source.tenant
    tenant.is_ai_enabled = False
    tenant.save()

    message = loop.chatwoot.customer_writes(loop.conversation, PARKING)

    draft = draft_in(S.NOT_DRAFTED, message_id=message["id"])
    settled(loop.chatwoot)
    assert loop.chatwoot.outgoing(loop.conversation, private=True) == [] and loop.llm.completions == []
    assert draft.ai_request.outcome == "refused_policy" and draft.text == ""


def test_a_reached_ai_limit_writes_no_draft(loop):
    tenant = loop.source.tenant
    tenant.ai_daily_limit = 0
    tenant.save()

    message = loop.chatwoot.customer_writes(loop.conversation, PARKING)

    draft = draft_in(S.NOT_DRAFTED, message_id=message["id"])
    assert "limit" in draft.status_reason.lower() and loop.llm.completions == []
    assert loop.chatwoot.outgoing(loop.conversation, private=True) == []


def test_the_mock_fallback_when_every_provider_fails_writes_no_draft(loop):
    loop.llm.always(loop.llm.server_error(503))

    message = loop.chatwoot.customer_writes(loop.conversation, PARKING)

    draft = draft_in(S.NOT_DRAFTED, message_id=message["id"])
    settled(loop.chatwoot)
    assert draft.ai_request.outcome == "fallback"
    assert loop.chatwoot.outgoing(loop.conversation, private=True) == [] and replies(loop) == []
    assert SystemEvent.objects.filter(code="AI_FAILURE_FALLBACK_SENT").exists()


def test_chatwoot_refusing_the_note_is_an_event_and_the_note_is_posted_on_the_retry(loop):
    loop.chatwoot.fail_post(SERVER_ERROR, private=True)

    draft = proposed(loop)

    assert draft.attempts == 2 and len(loop.chatwoot.outgoing(loop.conversation, private=True)) == 1
    event = SystemEvent.objects.get(code="CHATWOOT_SEND_FAIL")
    assert event.meta["stage"] == "note" and "HTTP 500" in event.message


def test_chatwoot_500_on_publish_is_retried_and_the_reply_delivered_once(loop):
    draft = proposed(loop)
    loop.chatwoot.fail_post(SERVER_ERROR, private=False)

    loop.chatwoot.agent_writes(loop.conversation, "/approve", private=True)

    published = draft_in(S.PUBLISHED, pk=draft.pk)
    settled(loop.chatwoot)
    assert replies(loop) == [DRAFT_TEXT] and published.attempts == 2
    assert SystemEvent.objects.get(code="CHATWOOT_SEND_FAIL").meta["stage"] == "publish"


def test_a_reply_chatwoot_stored_before_answering_500_is_never_sent_twice(loop):
    draft = proposed(loop)
    loop.chatwoot.fail_post(SERVER_ERROR, private=False, store=True)

    loop.chatwoot.agent_writes(loop.conversation, "/approve", private=True)

    published = draft_in(S.PUBLISHED, pk=draft.pk)
    settled(loop.chatwoot)
    assert replies(loop) == [DRAFT_TEXT]
    assert published.published_message_id == loop.chatwoot.outgoing(loop.conversation)[0]["id"]
    assert AuditEvent.objects.filter(action="drafts.publish", target_id=str(draft.pk)).count() == 1


def test_signed_webhooks_run_the_same_loop_and_a_wrong_secret_is_refused(loop, live_server):
    connection = loop.source.connection
    connection.set_secrets(signing_secret="cw-webhook-secret")
    connection.save()
    hook = f"{live_server.url}/webhooks/chatwoot/{connection.pk}/"
    loop.chatwoot.send_webhooks_to(hook, secret="cw-webhook-secret")

    draft = proposed(loop)
    loop.chatwoot.agent_writes(loop.conversation, "/approve", private=True)
    draft_in(S.PUBLISHED, pk=draft.pk)

    loop.chatwoot.send_webhooks_to(hook, secret="not-the-secret")
    loop.chatwoot.customer_writes(loop.conversation, "One more question about the garage")
    settled(loop.chatwoot)
    assert loop.chatwoot.deliveries[-1][1] == 401
    assert AIDraft.objects.count() == 1
