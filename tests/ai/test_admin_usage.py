"""/admin/ai-usage/: the overview (totals per window, per provider and model, charts, provider
state, the mock-only warning, "Test with a single request") and usage by tenant (sortable, the
busiest tenant highlighted, the audited "AI off" and "reduce limits" switches)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from apps.ai.models import ProviderCircuit
from apps.events.models import AuditEvent
from apps.tenants import usage
from apps.tenants.models import SystemSettings, Tenant, UsageCounter
from tests.ai.factories import AIRequestFactory, fallback
from tests.factories import StaffFactory, TenantFactory

pytestmark = pytest.mark.django_db
OVERVIEW, BY_TENANT, PROBE = "/admin/ai-usage/overview/", "/admin/ai-usage/by-tenant/", "/admin/ai-usage/probe/"


def staff_in(group, client):
    user = StaffFactory(username=group.lower().replace(" ", "-"))
    user.groups.add(Group.objects.get(name=group))
    client.force_login(user)
    return client


# --- the overview ------------------------------------------------------------------------------------


def test_with_no_key_set_the_overview_says_every_call_goes_to_the_mock(admin_client, no_provider_keys):
    body = admin_client.get(OVERVIEW).content.decode()

    assert 'id="mock-only"' in body and "every AI call goes to the mock" in body
    assert "Calls try, in order: <strong>mock</strong>" in body


def test_the_overview_shows_the_chain_keys_and_circuits(admin_client, openrouter, openai, chain_from):
    chain_from("openrouter")
    ProviderCircuit.objects.create(provider="openai", state="open", consecutive_failures=5)

    body = admin_client.get(OVERVIEW).content.decode()

    assert 'id="mock-only"' not in body
    assert "openrouter → openai → mock" in body
    assert "Open (cooling down)" in body and openrouter.api_key not in body and openai.api_key not in body


def test_the_kill_switch_is_named_on_the_overview(admin_client, openrouter, chain_from):
    chain_from("mock")

    body = admin_client.get(OVERVIEW).content.decode()

    assert 'id="kill-switch"' in body and "Calls try, in order: <strong>mock</strong>" in body


def test_the_overview_totals_each_window_and_breaks_down_by_provider_and_model(admin_client, tenant):
    AIRequestFactory.create_batch(3, tenant=tenant, cost_usd=Decimal("0.01"))
    AIRequestFactory(
        tenant=tenant, provider="openai", model="gpt-4o-mini", created_at=timezone.now() - timedelta(days=3)
    )
    fallback(tenant=tenant)
    AIRequestFactory(
        tenant=tenant, outcome="refused_guardrail", guardrail="input_blocked", provider="", model="", cost_usd=0
    )

    response = admin_client.get(OVERVIEW)

    today, week, month = (totals for _, totals in response.context["tiles"])
    assert (today.requests, week.requests, month.requests) == (5, 6, 6)
    assert today.cost_usd == Decimal("0.03") and today.errors == 1 and today.guardrail_violations == 1
    assert today.fallback_rate == 25.0
    models = {(row["provider"], row["model"]): row["requests"] for row in response.context["by_model"]}
    assert models == {("openrouter", "openai/gpt-4o-mini"): 3, ("openai", "gpt-4o-mini"): 1, ("mock", "mock"): 1}
    body = response.content.decode()
    assert body.count('<svg xmlns="http://www.w3.org/2000/svg" role="img"') == 2
    assert "AI cost per day" in body and "AI requests per day" in body


def test_the_overview_breakdowns_follow_the_window(admin_client, tenant):
    AIRequestFactory(tenant=tenant, created_at=timezone.now() - timedelta(days=3))

    assert admin_client.get(f"{OVERVIEW}?window=today").context["by_model"] == []
    assert len(admin_client.get(f"{OVERVIEW}?window=7d").context["by_model"]) == 1


def test_the_overview_without_a_slash_redirects(admin_client):
    assert admin_client.get("/admin/ai-usage/overview").url == OVERVIEW


def test_the_admin_index_links_the_ai_pages_and_counts_the_last_hours_fallbacks(admin_client, tenant):
    fallback(tenant=tenant)
    fallback(tenant=tenant, created_at=timezone.now() - timedelta(hours=2))

    response = admin_client.get("/admin/")

    body = response.content.decode()
    assert OVERVIEW in body and BY_TENANT in body
    item = {item.label: item for item in response.context["attention"]}["AI fallbacks, last hour"]
    assert (item.value, item.url) == (1, OVERVIEW)


# --- the probe --------------------------------------------------------------------------------------------


def test_the_probe_asks_first_then_shows_each_providers_answer(admin_client, openrouter, openai):
    openai.always(openai.server_error(503))

    asked = admin_client.get(PROBE)
    assert "openrouter, openai" in asked.content.decode() and not openrouter.completions

    body = admin_client.post(PROBE).content.decode()

    assert len(openrouter.completions) == 1 and "answered" in body and " ms" in body
    assert "server_error: HTTP 503" in body


def test_support_agents_see_the_overview_but_cannot_send_the_probe(client, openrouter):
    agent = staff_in("Support agent", client)

    assert agent.get(OVERVIEW).status_code == 200
    assert "probe-button" not in agent.get(OVERVIEW).content.decode()
    assert agent.post(PROBE).status_code == 403 and not openrouter.completions


def test_on_call_may_send_the_probe(client, openrouter):
    assert staff_in("On-call engineer", client).post(PROBE).status_code == 200
    assert len(openrouter.completions) == 1


def test_a_tenant_member_is_sent_to_the_admin_login(client, people):
    client.force_login(people.owner)

    assert client.get(OVERVIEW).status_code == 302 and client.get(BY_TENANT).status_code == 302


# --- usage by tenant -------------------------------------------------------------------------------------


def rows_of(response):
    return [(row["tenant"].slug, row["requests"], row["share"], row["highlight"]) for row in response.context["rows"]]


def test_one_row_per_tenant_with_its_share_and_the_busiest_highlighted(admin_client, tenant, other_tenant):
    TenantFactory(slug="idle", name="Idle Inn")
    AIRequestFactory.create_batch(9, tenant=tenant, cost_usd=Decimal("0.002"))
    AIRequestFactory(tenant=other_tenant)

    response = admin_client.get(BY_TENANT)

    assert rows_of(response) == [("alpha", 9, 90.0, True), ("beta", 1, 10.0, False), ("idle", 0, 0.0, False)]
    body = response.content.decode()
    assert 'class="over-share"' in body and body.count('class="over-share"') == 1
    assert f"/admin/ai/airequest/?tenant__id__exact={tenant.pk}" in body


def test_the_page_says_which_columns_count_every_call_and_which_count_toward_limits(admin_client, tenant):
    AIRequestFactory(tenant=tenant)
    fallback(tenant=tenant)
    usage.increment(tenant, UsageCounter.Metric.AI_REQUESTS, 1)  # only the provider's answer counts

    response = admin_client.get(BY_TENANT)

    (row,) = [row for row in response.context["rows"] if row["tenant"] == tenant]
    assert (row["requests"], row["meters"][0].used) == (2, 1)
    headers = [header["label"] for header in response.context["headers"]]
    assert headers[1] == "Requests (all calls)" and "Share of all calls" in headers
    assert "Counted toward limits today / limit" in headers and "Counted toward limits this month / limit" in headers
    body = response.content.decode()
    assert "only calls a real provider answered count" in body  # the limit columns' help (title)
    assert "count only the calls a real provider answered" in body and "fallback and mock answers" in body


def test_the_table_sorts_by_any_column_without_javascript(admin_client, tenant, other_tenant):
    AIRequestFactory.create_batch(2, tenant=tenant, cost_usd=Decimal("0.001"))
    AIRequestFactory(tenant=other_tenant, cost_usd=Decimal("0.5"))

    by_cost = admin_client.get(f"{BY_TENANT}?o=-cost_usd")
    by_name = admin_client.get(f"{BY_TENANT}?o=name")

    assert [row[0] for row in rows_of(by_cost)] == ["beta", "alpha"]
    assert [row[0] for row in rows_of(by_name)] == ["alpha", "beta"]
    assert 'aria-sort="descending"' in by_cost.content.decode()


def test_the_window_limits_what_is_counted(admin_client, tenant):
    AIRequestFactory(tenant=tenant, created_at=timezone.now() - timedelta(days=2))

    assert rows_of(admin_client.get(f"{BY_TENANT}?window=today"))[0][1] == 0
    assert rows_of(admin_client.get(f"{BY_TENANT}?window=7d"))[0][1] == 1


def test_limit_use_reads_the_usage_counters_against_the_effective_limits(admin_client, tenant):
    tenant.ai_daily_limit = 10
    tenant.save()
    usage.increment(tenant, UsageCounter.Metric.AI_REQUESTS, 4)
    usage.increment(tenant, UsageCounter.Metric.AI_TOKENS, 1500)

    row = admin_client.get(BY_TENANT).context["rows"][0]

    today, month, tokens = row["meters"]
    assert (today.used, today.limit, today.percent) == (4, 10, 40)
    assert (month.used, month.limit) == (4, tenant.plan.ai_monthly_limit)
    assert (tokens.used, tokens.limit) == (1500, tenant.effective_ai_daily_token_limit)


def by_tenant_queries(client, captured):
    with captured as queries:
        assert client.get(BY_TENANT).status_code == 200
    return len(queries)


def test_the_page_costs_the_same_queries_for_two_tenants_or_eight(
    admin_client, tenant, other_tenant, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for owner in (tenant, other_tenant):
        AIRequestFactory(tenant=owner)
        usage.increment(owner, UsageCounter.Metric.AI_REQUESTS, 3)
    two = by_tenant_queries(admin_client, CaptureQueriesContext(connection))
    for n in range(6):
        more = TenantFactory(slug=f"inn-{n}", name=f"Inn {n}", timezone="Pacific/Auckland" if n % 2 else "UTC")
        AIRequestFactory(tenant=more)
        usage.increment(more, UsageCounter.Metric.AI_REQUESTS, n + 1)
        usage.increment(more, UsageCounter.Metric.AI_TOKENS, 100 * (n + 1))

    with django_assert_max_num_queries(two):
        rows = admin_client.get(BY_TENANT).context["rows"]

    used = {row["tenant"].slug: (row["meters"][0].used, row["meters"][2].used) for row in rows}
    assert used == {"alpha": (3, 0), "beta": (3, 0), **{f"inn-{n}": (n + 1, 100 * (n + 1)) for n in range(6)}}


def switch(client, tenant, name, reason="Spam burst from one contact, see ticket 42"):
    return client.post(f"{BY_TENANT}{tenant.pk}/{name}/", {"reason": reason})


def test_ai_off_asks_for_a_reason_then_switches_and_audits(admin_client, tenant):
    asked = admin_client.get(f"{BY_TENANT}{tenant.pk}/ai-off/")
    assert asked.status_code == 200 and "Switch AI off" in asked.content.decode()
    assert "A reason is required" in switch(admin_client, tenant, "ai-off", reason=" ").content.decode()
    assert Tenant.objects.get(pk=tenant.pk).is_ai_enabled

    response = switch(admin_client, tenant, "ai-off")

    assert response.status_code == 302 and response.url == BY_TENANT
    assert not Tenant.objects.get(pk=tenant.pk).is_ai_enabled
    audit = AuditEvent.objects.get(action="tenant.ai_disabled")
    assert audit.reason.startswith("Spam burst") and audit.tenant_label == "alpha"
    switch(admin_client, tenant, "ai-on")
    assert Tenant.objects.get(pk=tenant.pk).is_ai_enabled


@pytest.mark.parametrize(
    ("name", "done"),
    [
        ("ai-off", "Alpha Rooms: AI switched off, and recorded in the audit log."),
        ("ai-on", "Alpha Rooms: AI switched on, and recorded in the audit log."),
        (
            "reduce-limits",
            "Alpha Rooms: AI limits reduced to 5 per day and 50 per month, and recorded in the audit log.",
        ),
    ],
)
def test_each_switch_confirms_what_it_did_in_plain_words(admin_client, tenant, name, done):
    response = admin_client.post(f"{BY_TENANT}{tenant.pk}/{name}/", {"reason": "Runbook step 3"}, follow=True)

    assert [str(message) for message in response.context["messages"]] == [done]


def test_reduce_limits_applies_the_runbooks_preset(admin_client, tenant):
    switch(admin_client, tenant, "reduce-limits")

    tenant.refresh_from_db()
    assert (tenant.effective_ai_daily_limit, tenant.effective_ai_monthly_limit) == (5, 50)
    assert AuditEvent.objects.get(action="tenant.ai_limits_changed").after["ai_daily_limit"] == 5


def test_switches_need_the_tenant_switch_permission(client, tenant):
    agent = staff_in("Support agent", client)

    assert "reduce limits" not in agent.get(BY_TENANT).content.decode()
    assert switch(agent, tenant, "ai-off").status_code == 403
    assert Tenant.objects.get(pk=tenant.pk).is_ai_enabled


def test_an_unknown_tenant_is_a_404(admin_client):
    assert switch(admin_client, Tenant(pk=999999), "ai-off").status_code == 404


def test_the_global_switch_is_untouched_by_the_tenant_switches(admin_client, tenant):
    switch(admin_client, tenant, "ai-off")

    assert SystemSettings.load().default_ai_provider == "openrouter"
