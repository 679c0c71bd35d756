"""The drafts services called directly (the inbox's processing stands in for Chatwoot's webhooks):
one draft per message however often it is delivered, one reply however often it is published, a
worker that died after Chatwoot stored the reply, and who may approve or reject what."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.drafts import services
from apps.drafts.models import AIDraft, DraftSettings
from apps.events.models import AuditEvent, SystemEvent
from apps.integrations import processing
from tests.drafts.conftest import DRAFT_TEXT, PARKING, hotel_source
from tests.integrations.factories import InboundEventFactory
from tests.integrations.services import free_port, publishing_to

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
S = AIDraft.Status


def delivered(source, payload, external_id=None):
    event = InboundEventFactory(
        connection=source.connection,
        event_type="message_created",
        payload=payload,
        external_id=external_id or f"message_created:{payload['id']}",
    )
    assert processing.process(event.pk) == "processed"


@pytest.fixture
def source(tenant, chatwoot, llm, fast_retries):
    return hotel_source(tenant, chatwoot)


@pytest.fixture
def asked(source, chatwoot):
    """A customer's question in Chatwoot, delivered once: its draft is proposed (tasks run eagerly)."""
    conversation = chatwoot.add_conversation(inbox_id=1)
    message = chatwoot.add_message(conversation["id"], PARKING)
    delivered(source, chatwoot.webhook_payload(message))
    return AIDraft.objects.get(message_id=message["id"])


def test_a_second_delivery_of_the_same_message_writes_no_second_draft_or_note(source, chatwoot, asked, llm):
    message = chatwoot.messages[asked.conversation_id][0]

    delivered(source, chatwoot.webhook_payload(message), external_id="redelivered")

    assert AIDraft.objects.count() == 1 and asked.status == S.PROPOSED
    assert len(chatwoot.outgoing(asked.conversation_id, private=True)) == 1 and len(llm.completions) == 1


def test_publishing_twice_sends_one_reply(asked, chatwoot, people):
    services.approve(asked, by=people.owner)

    assert services.publish(asked).name == "skipped"
    assert services.publish(asked.pk).name == "skipped"
    assert [m["content"] for m in chatwoot.outgoing(asked.conversation_id)] == [DRAFT_TEXT]
    assert AuditEvent.objects.get(action="drafts.publish").actor == people.owner


def test_a_worker_that_died_after_chatwoot_stored_the_reply_does_not_send_it_again(asked, chatwoot, settings):
    services.approve(asked, by="support lead")  # published by the eager task
    stored = chatwoot.outgoing(asked.conversation_id)[0]
    long_ago = timezone.now() - timedelta(seconds=settings.DRAFTS_CLAIM_STALE_S + 1)
    AIDraft.objects.filter(pk=asked.pk).update(
        status=S.PUBLISHING, published_message_id=None, published_at=None, claimed_at=long_ago
    )

    assert services.due_ids()["publish_draft"] == [asked.pk]
    assert services.publish(asked).name == "published"

    assert len(chatwoot.outgoing(asked.conversation_id)) == 1
    assert AIDraft.objects.get(pk=asked.pk).published_message_id == stored["id"]


def test_a_publishing_claim_still_held_is_left_alone(asked):
    AIDraft.objects.filter(pk=asked.pk).update(status=S.PUBLISHING, claimed_at=timezone.now(), approved_text="x")

    assert services.publish(asked).name == "skipped"
    assert services.due_ids()["publish_draft"] == []


def test_approve_from_opsdesk_edits_and_audits_the_user(asked, chatwoot, people):
    services.approve(asked, by=people.owner, text="  The garage is 15 EUR.  ")

    draft = AIDraft.objects.get(pk=asked.pk)
    assert (draft.status, draft.approved_text, draft.edited, draft.approved_by) == (
        S.PUBLISHED,
        "The garage is 15 EUR.",
        True,
        "owner@alpha.test",
    )
    assert AuditEvent.objects.get(action="drafts.approve").after["edited"] is True


def test_a_rejected_or_superseded_draft_cannot_be_approved_and_a_sent_one_cannot_be_rejected(asked, people):
    services.reject(asked, by=people.owner, reason="Out of date")
    with pytest.raises(services.DraftError):
        services.approve(asked, by=people.owner)
    assert services.reject(asked, by=people.owner).status == S.REJECTED  # again: nothing changes

    AIDraft.objects.filter(pk=asked.pk).update(status=S.PROPOSED)
    services.approve(asked, by=people.owner)
    with pytest.raises(services.DraftError):
        services.reject(asked, by=people.owner)


def test_drafts_are_off_by_default_and_only_for_the_inboxes_chosen(tenant, chatwoot, llm, fast_retries):
    source = hotel_source(tenant, chatwoot, enabled=False)
    conversation = chatwoot.add_conversation(inbox_id=2)
    delivered(source, chatwoot.webhook_payload(chatwoot.add_message(conversation["id"], PARKING)))
    assert not AIDraft.objects.exists()

    services.update_settings(source, by="tests", enabled=True, inbox_ids=[1])
    delivered(source, chatwoot.webhook_payload(chatwoot.add_message(conversation["id"], "Parking?")))
    assert not AIDraft.objects.exists()


def test_settings_changes_are_checked_and_audited_with_before_and_after(source, people):
    with pytest.raises(services.ServiceError):
        services.update_settings(source, by=people.owner, min_score=1.5)

    services.update_settings(source, by=people.owner, min_hits=2, tone="formal", inbox_ids=["3", 1])

    row = DraftSettings.objects.get(source=source)
    assert (row.min_hits, row.tone, row.inbox_ids, row.updated_by) == (2, "formal", [1, 3], "owner@alpha.test")
    audit = AuditEvent.objects.filter(action="drafts.settings").latest("id")
    assert audit.actor == people.owner and audit.before["min_hits"] == 1 and audit.after["min_hits"] == 2


def test_a_draft_whose_task_was_lost_is_drafted_by_the_sweeper(source, chatwoot, settings):
    from apps.drafts import jobs

    conversation = chatwoot.add_conversation(inbox_id=1)
    message = chatwoot.add_message(conversation["id"], PARKING)
    with publishing_to(f"redis://127.0.0.1:{free_port()}/0"):  # the broker is down: the task is lost
        delivered(source, chatwoot.webhook_payload(message))
    assert AIDraft.objects.get().status == S.QUEUED
    long_ago = timezone.now() - timedelta(seconds=settings.DRAFTS_CLAIM_STALE_S + 1)
    AIDraft.objects.update(created_at=long_ago)

    assert jobs.sweep() == {"draft_message": 1, "publish_draft": 0}
    assert AIDraft.objects.get().status == S.PROPOSED


def test_chatwoot_refusing_the_token_fails_the_draft_at_once_with_the_reason(source, chatwoot):
    from tests.fakes.chatwoot import UNAUTHORIZED

    chatwoot.fail_post(UNAUTHORIZED, private=True)
    conversation = chatwoot.add_conversation(inbox_id=1)
    delivered(source, chatwoot.webhook_payload(chatwoot.add_message(conversation["id"], PARKING)))

    draft = AIDraft.objects.get()
    assert (draft.status, draft.failure_stage, draft.attempts) == (S.FAILED, "note", 1)
    assert "HTTP 401" in draft.last_error and draft.text == DRAFT_TEXT
    assert "giving up" in SystemEvent.objects.get(code="CHATWOOT_SEND_FAIL").message


def test_a_message_delivered_after_a_newer_one_of_its_conversation_gets_no_draft(source, chatwoot):
    conversation = chatwoot.add_conversation(inbox_id=1)
    older = chatwoot.add_message(conversation["id"], "Do you have parking?")
    newer = chatwoot.add_message(conversation["id"], PARKING)

    delivered(source, chatwoot.webhook_payload(newer))
    delivered(source, chatwoot.webhook_payload(older))

    assert list(AIDraft.objects.values_list("message_id", "status")) == [(newer["id"], S.PROPOSED)]


def test_a_draft_whose_worker_stopped_on_every_attempt_fails_instead_of_looping(asked, settings):
    long_ago = timezone.now() - timedelta(seconds=settings.DRAFTS_CLAIM_STALE_S + 1)
    AIDraft.objects.filter(pk=asked.pk).update(
        status=S.DRAFTING, claimed_at=long_ago, attempts=settings.DRAFTS_MAX_ATTEMPTS
    )

    assert services.due_ids()["draft_message"] == []
    draft = AIDraft.objects.get(pk=asked.pk)
    assert draft.status == S.FAILED and "worker stopped" in draft.last_error
