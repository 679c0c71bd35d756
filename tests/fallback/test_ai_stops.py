"""While manual mode is on, AI replies and AI drafts are refused by the policy with a clear reason and
no provider call; the tenant's own API calls follow the ordinary AI rules."""

import pytest

from apps.ai import services as ai
from apps.ai.models import AIRequest, Feature, Outcome
from apps.drafts.models import AIDraft
from apps.events.models import SystemEvent
from apps.fallback import services as fallback
from apps.tenants import policy
from tests.drafts.conftest import PARKING, chatwoot, fast_retries, hotel_source, llm  # noqa: F401 (fixtures)
from tests.drafts.test_services import delivered

USER = [{"role": "user", "content": "Is breakfast included?"}]


@pytest.mark.django_db
@pytest.mark.parametrize("feature", [Feature.BOT_REPLY, Feature.DRAFT])
def test_ai_replies_and_drafts_are_refused_without_a_provider_call(tenant, staff, llm, feature):  # noqa: F811
    fallback.turn_on(tenant, actor=staff, reason="Chatwoot down")

    completion = ai.complete(tenant, feature, USER)

    assert not completion.ok and completion.code == policy.MANUAL_MODE_TENANT
    assert "Manual mode is on" in completion.message
    assert llm.completions == []
    assert AIRequest.objects.get().outcome == Outcome.REFUSED_POLICY
    assert SystemEvent.objects.filter(code="MANUAL_MODE_TENANT").exists()


@pytest.mark.django_db
def test_the_platform_switch_refuses_them_for_every_tenant(tenant, other_tenant, staff, llm):  # noqa: F811
    fallback.turn_on_platform(actor=staff, reason="Chatwoot cluster down")
    for each in (tenant, other_tenant):
        assert ai.complete(each, Feature.BOT_REPLY, USER).code == policy.MANUAL_MODE_GLOBAL
    assert llm.completions == []


@pytest.mark.django_db
def test_the_tenants_own_api_calls_still_answer(tenant, staff, llm):  # noqa: F811
    fallback.turn_on(tenant, actor=staff, reason="Chatwoot down")
    assert ai.complete(tenant, Feature.API, USER).ok
    assert len(llm.completions) == 1


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_chatwoot_message_gets_no_draft_while_manual_mode_is_on(tenant, staff, chatwoot, llm, fast_retries):  # noqa: F811
    source = hotel_source(tenant, chatwoot)
    fallback.turn_on(tenant, actor=staff, reason="answering by hand")
    conversation = chatwoot.add_conversation(inbox_id=1)
    message = chatwoot.add_message(conversation["id"], PARKING)

    delivered(source, chatwoot.webhook_payload(message))

    draft = AIDraft.objects.get(message_id=message["id"])
    assert draft.status == AIDraft.Status.NOT_DRAFTED
    assert draft.status_reason.startswith("No draft: Manual mode is on for this account")
    assert llm.completions == [] and chatwoot.outgoing(conversation["id"], private=True) == []
