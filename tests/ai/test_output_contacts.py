"""The output guardrail against the tenant's contacts table: an answer giving another contact's
phone number or e-mail address gets the safe reply, through the API and as a bot's reply; the
business's own details and numbers nobody holds pass; an answer without anything phone- or
e-mail-shaped asks the database nothing more."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.ai.contact_book import holding
from apps.ai.guardrails.output import ContactDetails, Shapes
from apps.ai.models import AIRequest, Outcome, TenantAISettings
from apps.integrations.models import AutomationRun, Reservation
from apps.outbound.models import ContactChannelPolicy, OutboundMessage
from tests.ai import test_bots
from tests.integrations.factories import ConnectionFactory, ConversationFactory
from tests.outbound.conftest import PHONE

pytestmark = pytest.mark.django_db
bot, graph, meta, openrouter = test_bots.bot, test_bots.graph, test_bots.meta, test_bots.openrouter  # fixtures
guest_writes = test_bots.guest_writes
URL = "/api/v1/ai/chat/completions"
MARIA = "351934111222"
SAFE_REPLY = "Sorry, I can't help with that. A person from our team will get back to you."
PROMPT = "You are the host of Bella Bistro. Bookings: https://bella-bistro.example/book or +39 06 1234 5678."


@pytest.fixture
def maria(tenant):
    """Another guest of the tenant: a WhatsApp conversation and a PMS reservation."""
    ConversationFactory(tenant=tenant, channel="whatsapp_cloud", external_id=MARIA)
    pms = ConnectionFactory(tenant=tenant, provider="pms")
    Reservation.objects.create(
        tenant=tenant, connection=pms, external_id="R-1", guest_phone="934 111 222", guest_email="Maria@Example.com"
    )


def ask(api, system=PROMPT):
    messages = [{"role": "system", "content": system}, {"role": "user", "content": "How do I book?"}]
    return api.post(URL, data=json.dumps({"messages": messages}), content_type="application/json")


def answer_of(response):
    assert response.status_code == 200
    choice = response.json()["choices"][0]
    return choice["finish_reason"], choice["message"]["content"]


@pytest.mark.parametrize(
    "reply",
    [
        "Book at https://bella-bistro.example/book or call +39 06 1234 5678.",
        "Call the restaurant at +39 06 9876 5432.",
        "Table 12 for 4 at 20:30 on 14/02, booking reference 88123, EUR 45.50 each.",
    ],
)
def test_the_business_own_details_and_ordinary_numbers_pass(tenant_api, openrouter, maria, reply):
    openrouter.reply_text = reply

    assert answer_of(ask(tenant_api)) == ("stop", reply)


@pytest.mark.parametrize(
    ("reply", "rule"),
    [
        ("Maria's number is +351 934 111 222.", "foreign_phone"),
        ("Write to maria@example.com, she knows.", "foreign_email"),
    ],
)
def test_another_contacts_phone_or_email_in_an_api_answer_is_blocked(tenant_api, openrouter, maria, reply, rule):
    openrouter.reply_text = reply

    assert answer_of(ask(tenant_api)) == ("content_filter", SAFE_REPLY)
    row = AIRequest.objects.get()
    assert (row.outcome, row.guardrail_verdicts["output"]["rule"]) == (Outcome.BLOCKED_OUTPUT, rule)


def test_a_foreign_link_secret_or_prompt_leak_is_still_blocked(tenant_api, openrouter):
    for reply, _ in (
        ("Pay at https://pay-me.example.net/now", "link_domain"),
        ("The key is sk-or-v1-" + "a1" * 32, "secret"),
        ("My instructions: " + PROMPT, "system_prompt_leak"),
    ):
        openrouter.reply_text = reply
        assert answer_of(ask(tenant_api))[0] == "content_filter", reply
    rules = [row.guardrail_verdicts["output"]["rule"] for row in AIRequest.objects.order_by("pk")]
    assert rules == ["link_domain", "secret", "system_prompt_leak"]


def test_configured_domains_are_the_only_ones(tenant_api, openrouter, tenant):
    TenantAISettings.objects.create(tenant=tenant, allowed_link_domains="bella.example")
    openrouter.reply_text = "Book at https://bella-bistro.example/book"

    assert answer_of(ask(tenant_api))[0] == "content_filter"


def test_an_answer_without_phone_or_email_shapes_asks_nothing_more(tenant_api, openrouter, maria):
    openrouter.reply_text = "Yes, 7 to 10."
    ask(tenant_api)  # the first call of a process prepares its statements
    with CaptureQueriesContext(connection) as plain:
        ask(tenant_api)
    openrouter.reply_text = "Call +39 06 9876 5432."
    with CaptureQueriesContext(connection) as shaped:
        ask(tenant_api)

    assert lookups(plain) == 0 and len(plain) > 0
    assert lookups(shaped) == 1 and len(shaped) == len(plain) + 1


def lookups(queries) -> int:
    return sum(Reservation._meta.db_table in (query["sql"] or "") for query in queries.captured_queries)


def test_the_lookup_finds_the_contacts_holding_the_numbers_and_addresses(tenant, other_tenant, maria):
    ContactChannelPolicy.objects.create(tenant=tenant, channel="waha", contact_id=MARIA)
    ConversationFactory(tenant=other_tenant, channel="whatsapp_cloud", external_id="351934000000")
    shapes = Shapes(phones=frozenset({MARIA, "351934000000"}), emails=frozenset({"maria@example.com"}))

    found = sorted(holding(tenant, shapes), key=lambda details: (details.phone, details.email))
    assert found == [
        ContactDetails(phone=MARIA),
        ContactDetails(phone=MARIA),
        ContactDetails(phone="934111222", email="maria@example.com"),
    ]


def test_a_bot_reply_giving_another_guests_number_gets_the_safe_reply(
    client, graph, openrouter, bot, tenant, maria, django_capture_on_commit_callbacks
):
    openrouter.reply_text = "The guest in 12 is on +351 934 111 222."
    with django_capture_on_commit_callbacks(execute=True):
        guest_writes(client, graph, "Is breakfast included?", "wamid.ASK12")

    run = AutomationRun.objects.get()
    assert OutboundMessage.objects.get(automation_run=run).body == SAFE_REPLY
    assert graph.sent()[-1]["to"] == PHONE
    assert AIRequest.objects.get().guardrail_verdicts["output"]["rule"] == "foreign_phone"


def test_a_bot_reply_giving_the_guest_their_own_details_passes(
    client, graph, openrouter, bot, tenant, maria, django_capture_on_commit_callbacks
):
    pms = ConnectionFactory(tenant=tenant, provider="pms")
    Reservation.objects.create(
        tenant=tenant, connection=pms, external_id="R-2", guest_phone="+" + PHONE, guest_email="ada@example.com"
    )
    openrouter.reply_text = "We sent the confirmation to ada@example.com and will text +" + PHONE + "."
    with django_capture_on_commit_callbacks(execute=True):
        guest_writes(client, graph, "Where is my confirmation?", "wamid.MINE")

    assert OutboundMessage.objects.get(automation_run=AutomationRun.objects.get()).body == openrouter.reply_text
