"""Replies: the id a provider gave us for a contact who wrote in is sendable even where it is no
possible phone number (Meta's `wa_id` of a Mexican mobile keeps the "1" after 52), while a number
typed for anyone else is still checked; an automation reply longer than one message goes out in
order in several; a reply the pipeline refuses leaves the run the refusal."""

import pytest
from django.utils import timezone

from apps.core.errors import ServiceError
from apps.events.models import SystemEvent
from apps.integrations import automation
from apps.integrations.models import ConversationMessage
from apps.outbound import services
from apps.outbound.models import OutboundMessage, Status
from apps.outbound.services import splitting
from tests.factories import TenantFactory
from tests.integrations.factories import InboundEventFactory
from tests.outbound.conftest import contact_wrote

pytestmark = pytest.mark.django_db
MEXICAN_WA_ID = "5215512345678"
SENTENCE = "The spa opens at nine and closes at six. "


def reply(tenant, connection, to, body="Breakfast is from 7 to 10.", channel="whatsapp_cloud"):
    return services.create_message(tenant, channel=channel, to=to, body=body, connection=connection, approve=True)


def test_a_mexican_wa_id_that_wrote_in_gets_the_reply_as_meta_wrote_it(tenant, meta, graph):
    contact_wrote(meta, MEXICAN_WA_ID)

    message = reply(tenant, meta, MEXICAN_WA_ID)
    services.dispatch(message.pk)
    message.refresh_from_db()

    assert (message.contact_id, message.status) == (MEXICAN_WA_ID, Status.SENT)
    assert graph.sent()[-1]["to"] == MEXICAN_WA_ID


def test_a_waha_chat_id_that_wrote_in_gets_the_reply_at_that_chat(tenant, waha, waha_server):
    contact_wrote(waha, f"{MEXICAN_WA_ID}@c.us")

    message = reply(tenant, waha, f"{MEXICAN_WA_ID}@c.us", channel="waha")
    services.dispatch(message.pk)
    message.refresh_from_db()

    assert message.status == Status.SENT
    assert waha_server.requests_to("/api/sendText")[0].json()["chatId"] == f"{MEXICAN_WA_ID}@c.us"


@pytest.mark.parametrize("to", [MEXICAN_WA_ID, "+52 1 55 1234 5678"])
def test_an_impossible_number_nobody_wrote_from_is_still_refused(tenant, meta, to):
    with pytest.raises(ServiceError) as refused:
        reply(tenant, meta, to)
    assert refused.value.code == "invalid_to" and "is not a phone number" in refused.value.message
    assert not OutboundMessage.objects.exists()


def test_a_contact_of_another_tenant_does_not_unlock_the_id(tenant, meta):
    other = TenantFactory()
    other_meta = services.contact_policy(other, "whatsapp_cloud", MEXICAN_WA_ID)
    other_meta.last_inbound_at = timezone.now()
    other_meta.save(update_fields=["last_inbound_at"])

    with pytest.raises(ServiceError):
        reply(tenant, meta, MEXICAN_WA_ID)


def test_a_mexican_stop_opts_out_and_is_confirmed(tenant, meta):
    policy = contact_wrote(meta, MEXICAN_WA_ID, text="STOP")

    assert policy.opted_out
    confirmation = OutboundMessage.objects.get(is_opt_out_confirmation=True)
    assert (confirmation.contact_id, confirmation.status) == (MEXICAN_WA_ID, Status.QUEUED)


def test_split_cuts_at_paragraphs_then_sentences_then_words():
    paragraph = (SENTENCE * 10).strip()
    assert splitting.split(f"{paragraph}\n\n{paragraph}", len(paragraph) + 10) == [paragraph, paragraph]

    sentences = splitting.split(SENTENCE * 10, 100)
    assert all(len(part) <= 100 and part.endswith("six.") for part in sentences)
    assert " ".join(sentences) == (SENTENCE * 10).strip()

    words = splitting.split("word " * 50, 23)
    assert all(len(part) <= 23 for part in words) and " ".join(words).split() == ["word"] * 50


def test_split_cuts_a_text_without_spaces_at_the_limit_and_keeps_short_ones_whole():
    assert splitting.split("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]
    assert splitting.split("  Hello.  ", 4096) == ["Hello."]
    assert splitting.split("", 4096) == []


def test_split_passes_over_an_early_paragraph_break_for_a_later_sentence_end():
    text = "Hi.\n\n" + SENTENCE * 5
    parts = splitting.split(text, 120)
    assert len(parts[0]) > 60 and all(len(part) <= 120 for part in parts)


def test_create_parts_makes_one_message_per_part_in_order(tenant, meta):
    contact_wrote(meta)
    paragraphs = [f"Part {n}. " + SENTENCE * 60 for n in range(1, 4)]
    body = "\n\n".join(paragraph.strip() for paragraph in paragraphs)

    created = services.create_parts(
        tenant, channel="whatsapp_cloud", to="+49 151 12345678", body=body, connection=meta, approve=True
    )

    assert [message.body for message in created] == [paragraph.strip() for paragraph in paragraphs]
    assert [message.pk for message in created] == sorted(message.pk for message in created)
    assert len({message.next_attempt_at for message in created}) == 1


def n8n_run(tenant, meta, contact_id):
    automation.create_bot(tenant, name="Concierge", workflow_path="webhook/concierge")
    event = InboundEventFactory(connection=meta, event_type="message")
    message = ConversationMessage.objects.create(
        tenant=tenant,
        connection=meta,
        inbound_event=event,
        channel="whatsapp_cloud",
        provider_message_id="wamid.1",
        contact_id=contact_id,
        text="Is breakfast included?",
        sent_at=timezone.now(),
    )
    return automation.start_runs(event, message)[0]


def callback(run, reply_text):
    event = InboundEventFactory(
        connection=run.message.connection, payload={"run_id": run.pk, "status": "succeeded", "reply": reply_text}
    )
    return automation.finish(event)


def test_a_refused_reply_leaves_the_run_the_refusal(tenant, meta):
    run = callback(n8n_run(tenant, meta, "12345"), "Yes, from 7 to 10.")

    assert run.status == "succeeded"
    assert run.error.startswith("The reply was not sent: to: '12345' is not a phone number")
    assert "no outbound pipeline" not in run.error
    assert SystemEvent.objects.filter(code="OUTBOUND_BLOCKED", automation_run=run).exists()


def test_a_long_workflow_reply_goes_out_in_several_messages(tenant, meta):
    contact_wrote(meta, MEXICAN_WA_ID)
    long_reply = "\n\n".join((f"Part {n}. " + SENTENCE * 60).strip() for n in range(1, 4))

    run = callback(n8n_run(tenant, meta, MEXICAN_WA_ID), long_reply)

    assert run.error == ""
    parts = OutboundMessage.objects.filter(automation_run=run).order_by("pk")
    assert "\n\n".join(part.body for part in parts) == long_reply
    assert all(len(part.body) <= 4096 for part in parts) and parts.count() == 3
