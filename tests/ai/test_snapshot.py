"""The gateway's one read before a provider call (apps/ai/snapshot.py) says what the separate
loaders say, and the one write after it (apps/ai/recording.py) keeps the row and the counters together."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.ai import circuit, recording, snapshot
from apps.ai.models import AIRequest, ModelPrice, ProviderCircuit
from apps.ai.services import settings_for
from apps.tenants import policy, usage
from apps.tenants.models import SystemSettings, UsageCounter

pytestmark = pytest.mark.django_db
Metric = UsageCounter.Metric


def test_the_policy_input_is_the_one_the_policy_loads(tenant):
    usage.increment_many(tenant, {Metric.AI_REQUESTS: 3, Metric.AI_TOKENS: 300, Metric.MESSAGES_SENT: 7})
    usage.increment_many(tenant, {Metric.AI_REQUESTS: 2, Metric.AI_TOKENS: 20}, now=timezone.now() - timedelta(days=40))
    tenant.ai_monthly_limit = 77  # one override; the other limits come from the plan
    tenant.save()
    assert snapshot.read(tenant).policy == policy.ai_input_for(tenant)


def test_a_switched_off_or_suspended_tenant_reads_as_such(tenant):
    tenant.is_ai_enabled = False
    tenant.status = tenant.Status.SUSPENDED
    tenant.save()
    read = snapshot.read(tenant).policy
    assert (read.ai_enabled, read.suspended) == (False, True)
    assert policy.decide_ai(read) == policy.can_use_ai(tenant)


def test_it_reads_the_start_the_texts_the_circuits_and_the_prices(tenant):
    system = SystemSettings.load()
    system.default_ai_provider = "openai"
    system.save()
    texts = settings_for(tenant)
    texts.allowed_link_domains = "hotel.example\n"
    texts.save()
    circuit.circuit_for("openrouter")
    later = timezone.now() + timedelta(minutes=5)
    ProviderCircuit.objects.filter(provider="openrouter").update(state="open", open_until=later)
    read = snapshot.read(tenant)
    assert read.start == "openai"
    assert (read.ai_settings.pk, read.ai_settings.link_domains) == (texts.pk, ["hotel.example"])
    assert set(read.circuits) == {"openrouter"}
    assert (read.circuits["openrouter"].state, read.circuits["openrouter"].open_until) == ("open", later)
    assert circuit.admit("openrouter", known=read.circuits["openrouter"]) == circuit.SHUT
    seeded = {price.model: price for price in ModelPrice.objects.filter(provider="openai")}
    read_prices = read.prices_of("openai")
    assert set(read_prices) == set(seeded)
    some = next(iter(seeded))
    assert read_prices[some].prompt_usd_per_million == seeded[some].prompt_usd_per_million
    assert isinstance(read_prices[some].completion_usd_per_million, Decimal)


def test_what_does_not_exist_yet_reads_as_missing(tenant):
    TenantAISettings = type(settings_for(tenant))
    TenantAISettings.objects.filter(tenant=tenant).delete()
    ProviderCircuit.objects.all().delete()
    read = snapshot.read(tenant)
    assert (read.ai_settings, read.circuits) == (None, {})
    assert read.policy.ai_today == 0


def test_the_row_and_both_counters_are_written_together(tenant):
    def row():
        return AIRequest(tenant=tenant, feature="api", outcome="answered", created_at=timezone.now())

    first = recording.save_counted(row(), {Metric.AI_REQUESTS: 1, Metric.AI_TOKENS: 30})
    second = recording.save_counted(row(), {Metric.AI_REQUESTS: 1, Metric.AI_TOKENS: 12})
    recording.save_counted(row(), {Metric.AI_REQUESTS: 1, Metric.AI_TOKENS: 0})
    assert AIRequest.objects.filter(pk__in=[first.pk, second.pk]).count() == 2
    used = usage.ai_usage_for(tenant)
    assert (used.requests_today, used.tokens_today) == (3, 42)


def test_a_row_that_cannot_be_written_adds_nothing_to_the_counters(tenant):
    broken = AIRequest(tenant=tenant, feature="api", outcome="answered", created_at=None)  # NOT NULL
    with pytest.raises(IntegrityError), transaction.atomic():
        recording.save_counted(broken, {Metric.AI_REQUESTS: 1, Metric.AI_TOKENS: 30})
    assert usage.ai_usage_for(tenant).requests_today == 0


# --- the API's read: the key and the snapshot in one statement (PostgreSQL) ---------------------------


@pytest.fixture
def key_pair(tenant):
    from apps.accounts import keys
    from apps.accounts import services as key_services

    api_key, secret = key_services.issue_tenant_key(tenant, name="n8n")
    return api_key, keys.prefix_of(secret)


@pytest.mark.services
@pytest.mark.django_db(transaction=True)  # autocommit, as requests run: no savepoint around it
def test_the_key_and_the_snapshot_come_in_one_round_trip_and_agree_with_the_two_reads(tenant, key_pair):
    from tests import pg_wire

    api_key, prefix = key_pair
    usage.increment_many(tenant, {Metric.AI_REQUESTS: 3, Metric.AI_TOKENS: 300})
    snapshot.read_for_key(prefix)  # prepared at its first run on this connection
    with pg_wire.traced() as wire:
        found_key, read = snapshot.read_for_key(prefix)
    assert wire.round_trips == 1
    assert (found_key.pk, found_key.tenant.pk, found_key.key_hash) == (api_key.pk, tenant.pk, api_key.key_hash)
    apart = snapshot.read(tenant)
    assert read.policy == apart.policy == policy.ai_input_for(tenant)
    assert (read.start, read.price_table, set(read.circuits)) == (apart.start, apart.price_table, set(apart.circuits))
    assert read.request_id is not None and read.request_id != apart.request_id


@pytest.mark.services
@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago"])  # UTC+14 and UTC-11
def test_the_tenant_s_today_is_its_own_zone_s_today(tenant, key_pair, zone):
    tenant.timezone = zone
    tenant.save()
    now = timezone.now().replace(hour=12)
    for days, amount in ((-1, 1), (0, 10), (1, 100)):  # each of the days a zone can call today
        usage.increment_many(tenant, {Metric.AI_REQUESTS: amount}, now=now + timedelta(days=days))
    read = snapshot.read_for_key(key_pair[1], now=now)[1]
    assert read.policy == snapshot.read(tenant, now=now).policy
    assert read.policy.ai_today == usage.ai_usage_for(tenant, now=now).requests_today


@pytest.mark.services
def test_revoked_and_operator_keys_read_as_nothing(tenant, key_pair, admin_user):
    from apps.accounts import keys
    from apps.accounts import services as key_services

    operator_secret = key_services.issue_operator_key(admin_user.username, name="ops")[1]
    assert snapshot.read_for_key(keys.prefix_of(operator_secret)) is None
    key_services.revoke(key_pair[0])
    assert snapshot.read_for_key(key_pair[1]) is None
    assert snapshot.read_for_key("no-such-prefix") is None
