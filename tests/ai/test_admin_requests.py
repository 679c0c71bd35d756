"""The AI requests admin (read-only, filters, search, readable values, the conversation beside the
request), provider circuits with their audited close, the price table and tenant AI texts."""

from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from apps.ai.models import AIRequest, ModelPrice, ProviderCircuit, TenantAISettings
from apps.events.models import AuditEvent, SystemEvent
from apps.integrations.models import ConversationMessage
from tests.ai.factories import AIRequestFactory, fallback
from tests.factories import StaffFactory, TenantFactory
from tests.integrations.factories import ConnectionFactory

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/ai/airequest/"


def listed(admin_client, query=""):
    response = admin_client.get(f"{CHANGELIST}?{query}")
    assert response.status_code == 200
    return {row.pk for row in response.context["cl"].result_list}


def test_the_list_shows_readable_cost_tokens_and_latency(admin_client, tenant):
    AIRequestFactory(tenant=tenant, prompt_tokens=1200, completion_tokens=34, cost_usd=Decimal("0.000123"))

    body = admin_client.get(CHANGELIST).content.decode()

    assert "1,234" in body and "$0.000123" in body and "420 ms" in body
    assert "openrouter · openai/gpt-4o-mini" in body and "Alpha Rooms" in body


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("provider=mock", "fallback"),
        ("outcome__exact=fallback", "fallback"),
        ("feature__exact=api", "api"),
        ("guardrail__exact=input_blocked", "blocked"),
    ],
)
def test_the_list_filters_by_provider_outcome_feature_and_guardrail(admin_client, tenant, query, expected):
    rows = {
        "answered": AIRequestFactory(tenant=tenant),
        "fallback": fallback(tenant=tenant),
        "api": AIRequestFactory(tenant=tenant, feature="api"),
        "blocked": AIRequestFactory(
            tenant=tenant, outcome="refused_guardrail", guardrail="input_blocked", provider="", model=""
        ),
    }

    assert listed(admin_client, query) == {rows[expected].pk}


def test_the_list_filters_by_tenant_and_date(admin_client, tenant, other_tenant):
    mine = AIRequestFactory(tenant=tenant)
    theirs = AIRequestFactory(tenant=other_tenant)
    old = AIRequestFactory(tenant=tenant, created_at=timezone.now() - timedelta(days=3))

    assert listed(admin_client, f"tenant__id__exact={tenant.pk}") == {mine.pk, old.pk}
    today = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    since_midnight = urlencode({"created_at__gte": str(today)})
    assert listed(admin_client, since_midnight) == {mine.pk, theirs.pk}


def test_search_finds_a_tenant_a_contact_or_a_correlation_id(admin_client, tenant, other_tenant):
    by_contact = AIRequestFactory(tenant=tenant, contact_id="+351912345678")
    theirs = AIRequestFactory(tenant=other_tenant, contact_id="x", correlation_id="req-abc-12345678")

    assert listed(admin_client, "q=%2B351912345678") == {by_contact.pk}
    assert listed(admin_client, "q=req-abc-12345678") == {theirs.pk}
    assert listed(admin_client, "q=beta") == {theirs.pk}


def test_the_admin_cannot_add_change_or_delete_requests(admin_client, tenant):
    row = AIRequestFactory(tenant=tenant)

    assert admin_client.get(f"{CHANGELIST}add/").status_code == 403
    admin_client.post(f"{CHANGELIST}{row.pk}/change/", {"completion": "edited"})
    admin_client.post(f"{CHANGELIST}{row.pk}/delete/", {"post": "yes"})

    assert AIRequest.objects.get(pk=row.pk).completion == "Check-in is from 3 pm."


def test_the_page_shows_the_request_beside_its_contacts_conversation(admin_client, tenant):
    connection = ConnectionFactory(tenant=tenant, provider="waha")
    now = timezone.now()
    for minutes, direction, text in [
        (30, "inbound", "Hi, do you have parking?"),
        (1, "inbound", "What time is check-in?"),
    ]:
        ConversationMessage.objects.create(
            tenant=tenant,
            connection=connection,
            channel="waha",
            direction=direction,
            provider_message_id=f"m{minutes}",
            contact_id="+4915112345678",
            contact_name="Ada",
            text=text,
            sent_at=now - timedelta(minutes=minutes),
        )
    ConversationMessage.objects.create(
        tenant=tenant,
        connection=connection,
        channel="waha",
        provider_message_id="other",
        contact_id="+4915199999999",
        text="Someone else's message",
        sent_at=now,
    )
    row = AIRequestFactory(tenant=tenant, created_at=now)

    body = admin_client.get(f"{CHANGELIST}{row.pk}/change/").content.decode()

    assert "What the gateway sent" in body and "You are the front desk of a small hotel." in body
    assert "Check-in is from 3 pm." in body
    assert "Hi, do you have parking?" in body and "What time is check-in?" in body
    assert "Someone else&#x27;s message" not in body and "Someone else's message" not in body


def test_the_page_shows_each_provider_tried_with_its_error(admin_client, tenant):
    row = fallback(tenant=tenant)

    body = admin_client.get(f"{CHANGELIST}{row.pk}/change/").content.decode()

    assert "server_error (HTTP 502): Bad gateway" in body and "timeout: OpenAI did not answer in time" in body


# --- provider circuits --------------------------------------------------------------------------------


def close_circuits(client, circuits, reason="OpenRouter answers again (probe ok)"):
    return client.post(
        "/admin/ai/providercircuit/",
        {
            "action": "close_circuit_put_the_provider_back_in_use_now",
            "_selected_action": [c.pk for c in circuits],
            "confirm": "yes",
            "reason": reason,
        },
    )


def test_closing_an_open_circuit_asks_a_reason_audits_and_emits(admin_client):
    circuit = ProviderCircuit.objects.create(
        provider="openrouter", state="open", consecutive_failures=5, open_until=timezone.now() + timedelta(minutes=1)
    )

    refused = close_circuits(admin_client, [circuit], reason="")
    assert refused.status_code == 200 and "A reason is required" in refused.content.decode()
    close_circuits(admin_client, [circuit])

    circuit.refresh_from_db()
    assert (circuit.state, circuit.consecutive_failures, circuit.open_until) == ("closed", 0, None)
    audit = AuditEvent.objects.get(action="ai.circuit_closed")
    assert audit.reason == "OpenRouter answers again (probe ok)" and audit.before["state"] == "open"
    assert SystemEvent.objects.filter(code="AI_PROVIDER_CIRCUIT_CLOSED").exists()


def test_circuits_are_read_only_and_closing_needs_the_change_permission(client):
    circuit = ProviderCircuit.objects.create(provider="openai", state="open")
    agent = StaffFactory(username="agent-ai")
    agent.groups.add(Group.objects.get(name="Support agent"))
    client.force_login(agent)

    assert client.get("/admin/ai/providercircuit/").status_code == 200
    close_circuits(client, [circuit])

    assert ProviderCircuit.objects.get(pk=circuit.pk).state == "open"
    assert not AuditEvent.objects.filter(action="ai.circuit_closed").exists()


# --- the price table and tenant AI texts ---------------------------------------------------------------


def test_a_price_edit_is_audited_with_before_and_after(admin_client):
    price = ModelPrice.objects.create(
        provider="openai",
        model="gpt-test-1",
        prompt_usd_per_million=Decimal("0.15"),
        completion_usd_per_million=Decimal("0.6"),
    )

    admin_client.post(
        f"/admin/ai/modelprice/{price.pk}/change/",
        {
            "provider": "openai",
            "model": "gpt-test-1",
            "prompt_usd_per_million": "0.20",
            "completion_usd_per_million": "0.6",
        },
    )

    audit = AuditEvent.objects.get(action="modelprice.changed")
    assert audit.before == {"prompt_usd_per_million": "0.150000"}
    assert audit.after == {"prompt_usd_per_million": "0.20"}


def test_tenant_ai_texts_are_saved_through_the_audited_service(admin_client, tenant):
    admin_client.post(
        "/admin/ai/tenantaisettings/add/",
        {
            "tenant": tenant.pk,
            "fallback_text": "Back soon!",
            "safe_reply": "We can't help with that.",
            "allowed_link_domains": "alpha.example\nbooking.example",
        },
    )
    settings = TenantAISettings.objects.get(tenant=tenant)
    admin_client.post(
        f"/admin/ai/tenantaisettings/{settings.pk}/change/",
        {
            "fallback_text": "Back in a minute!",
            "safe_reply": "We can't help with that.",
            "allowed_link_domains": "alpha.example\nbooking.example",
        },
    )

    settings.refresh_from_db()
    assert settings.fallback_text == "Back in a minute!" and settings.link_domains == [
        "alpha.example",
        "booking.example",
    ]
    created, changed = AuditEvent.objects.filter(action__startswith="ai.tenant_settings").order_by("id")
    assert (created.action, created.tenant_label) == ("ai.tenant_settings_created", "alpha")
    assert changed.before == {"fallback_text": "Back soon!"} and changed.after == {"fallback_text": "Back in a minute!"}


def test_the_tenant_page_links_to_its_ai_requests(admin_client, tenant):
    TenantFactory()
    body = admin_client.get(f"/admin/tenants/tenant/{tenant.pk}/change/").content.decode()

    assert f"{reverse('admin:ai_airequest_changelist')}?tenant__id__exact={tenant.pk}" in body
    assert reverse("ai_usage:by_tenant") in body
