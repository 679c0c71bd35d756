"""What one gateway call reads before it calls a provider, in ONE statement: the tenant's AI switch,
manual mode (its own and the platform's), status and effective limits (plan values under the
tenant's overrides), its AI usage today and this month, the provider the chain starts at, the
tenant's AI texts, every real provider's circuit and price table.

Each statement is a round trip to PostgreSQL, and on a loaded machine a round trip costs more than
everything else the gateway does; these used to be six (counters, plan, settings, texts, circuit,
prices). Nothing is cached: every call sees the state every other process wrote, as the design
asks. A piece that does not exist yet (a new tenant's texts, a circuit never used, the system
settings row) comes back as None and the caller creates it the way it always did.

On PostgreSQL it also draws the call's AIRequest id from the table's sequence, so the answer can
name its row before the row is written (the API writes it after the response: apps/ai/recording.py)."""

import json
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC
from decimal import Decimal
from functools import cache, lru_cache

from django.db import connections, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apps.accounts import key_lookup
from apps.accounts.models import ApiKey
from apps.ai.models import AIRequest, ModelPrice, ProviderCircuit, TenantAISettings
from apps.ai.providers import CHAIN
from apps.core import db_context
from apps.tenants.models import Plan, SystemSettings, Tenant, UsageCounter
from apps.tenants.policy import PolicyInput
from apps.tenants.usage import tenant_today

REAL_PROVIDERS = tuple(name for name in CHAIN if name != "mock")
Metric = UsageCounter.Metric


@dataclass(frozen=True)
class Snapshot:
    policy: PolicyInput
    start: str | None = None
    ai_settings: TenantAISettings | None = None
    circuits: dict = field(default_factory=dict)
    price_table: str = "[]"
    request_id: int | None = None

    def prices_of(self, provider: str) -> dict:
        """{model: ModelPrice} of `provider`, as `costs.cost_of` takes them (built only when a
        provider sends no cost of its own)."""
        return _prices(self.price_table, provider)


def read(tenant, now=None, *, using="default") -> Snapshot | None:
    """The call's snapshot, or None when the tenant's row is gone."""
    today = tenant_today(tenant, now)
    connection = connections[using]
    rows = db_context.fetch_hot(connection, _sql(connection.vendor, using), _params(tenant, today))
    return _snapshot(tenant, rows) if rows else None


def read_for_key(prefix: str, now=None, *, using="default") -> tuple | None:
    """(the API key with its tenant attached, its call's snapshot) in ONE statement, read as the
    platform (the key says which tenant); None when no active tenant key has this prefix. For the
    API's fast path, which would otherwise make two round trips (the key, then the snapshot).
    PostgreSQL only: the tenant's today comes from its zone in SQL, and a zone PostgreSQL does not
    know raises DataError (the caller then reads the key and the snapshot apart; inside a
    transaction the statement has a savepoint of its own, so the caller's transaction survives)."""
    connection = connections[using]
    savepoint = transaction.atomic(using) if connection.in_atomic_block else nullcontext()
    with db_context.platform_context(), savepoint:
        rows = db_context.fetch_hot(connection, _key_sql(using), _key_params(prefix, now or timezone.now()))
    if not rows:
        return None
    split = key_lookup.width()
    api_key = key_lookup.built(rows[0][:split], using)
    return api_key, _snapshot(api_key.tenant, [row[split:] for row in rows])


def _params(tenant, today) -> list:
    requests, tokens = Metric.AI_REQUESTS.value, Metric.AI_TOKENS.value
    return [
        *REAL_PROVIDERS,  # the price table (in the select list)
        *(requests, today, requests, tokens, today, tokens),
        *(tenant.pk, requests, tokens, today.replace(day=1), today),
        *REAL_PROVIDERS,  # the circuits
        tenant.pk,
    ]


def _key_params(prefix, now) -> list:
    requests, tokens = Metric.AI_REQUESTS.value, Metric.AI_TOKENS.value
    return [*REAL_PROVIDERS, now, requests, requests, tokens, tokens, requests, tokens, *REAL_PROVIDERS, prefix]


@cache
def _sql(vendor: str, using: str = "default") -> str:
    """Portable SQL (PostgreSQL and SQLite) but for the JSON aggregate's name. One row per circuit
    row found (or one row without a circuit); the aggregate sub-select always has one row."""
    return _TEMPLATE.format(
        key_columns="",
        prices=_prices_sql(vendor),
        request_id=_request_id_sql(vendor, using),
        source=f"{Tenant._meta.db_table} t",
        lateral="",
        today="%s",
        tenant="%s",
        month_start="%s",
        where="t.id = %s",
    )


@cache
def _key_sql(using: str) -> str:
    """`_sql` read through the API key: its columns and its tenant's first, the tenant's today (and
    the 1st of its month) in its own zone computed from the `now` parameter (PostgreSQL)."""
    zone = "COALESCE(NULLIF(t.timezone, ''), 'UTC')"
    return _TEMPLATE.format(
        key_columns=key_lookup.select_list("k", "t") + ",",
        prices=_prices_sql("postgresql"),
        request_id=_request_id_sql("postgresql", using),
        source=(
            f"{ApiKey._meta.db_table} k JOIN {Tenant._meta.db_table} t ON t.id = k.tenant_id "
            f"CROSS JOIN LATERAL (SELECT CAST(CAST(%s AS timestamptz) AT TIME ZONE {zone} AS date) AS today) d"
        ),
        lateral="LATERAL",
        today="d.today",
        tenant="t.id",
        month_start="CAST(date_trunc('month', d.today) AS date)",
        where="k.prefix = %s AND k.revoked_at IS NULL",
    )


def _prices_sql(vendor: str) -> str:
    columns = (
        "mp.provider, mp.model, CAST(mp.prompt_usd_per_million AS TEXT), CAST(mp.completion_usd_per_million AS TEXT)"
    )
    aggregate = (
        "CAST(json_agg(json_build_array({})) AS TEXT)" if vendor == "postgresql" else "json_group_array(json_array({}))"
    )
    placeholders = ", ".join(["%s"] * len(REAL_PROVIDERS))
    table = ModelPrice._meta.db_table
    return f"(SELECT {aggregate.format(columns)} FROM {table} mp WHERE mp.provider IN ({placeholders}))"


def _request_id_sql(vendor: str, using: str) -> str:
    """The AIRequest id drawn from its sequence, named once per process (`pg_get_serial_sequence`
    looked up on every call cost ~0.05-0.25 ms of the statement)."""
    if vendor != "postgresql":
        return "NULL"
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [AIRequest._meta.db_table])
        sequence = cursor.fetchone()[0]
    return f"nextval('{sequence}'::regclass)"


_CIRCUIT_PLACEHOLDERS = ", ".join(["%s"] * len(REAL_PROVIDERS))
_TEMPLATE = f"""
        SELECT {{key_columns}} t.status, t.is_ai_enabled,
               COALESCE(t.ai_daily_limit, p.ai_daily_limit), COALESCE(t.ai_monthly_limit, p.ai_monthly_limit),
               COALESCE(t.ai_daily_token_limit, p.ai_daily_token_limit),
               COALESCE(t.ai_monthly_token_limit, p.ai_monthly_token_limit),
               used.requests_today, used.requests_month, used.tokens_today, used.tokens_month,
               s.default_ai_provider,
               a.id, a.fallback_text, a.safe_reply, a.allowed_link_domains, a.updated_at,
               {{prices}},
               c.id, c.provider, c.state, c.consecutive_failures, c.opened_at, c.open_until, c.last_error, c.updated_at,
               {{request_id}},
               t.manual_mode_since IS NOT NULL, s.manual_mode_since IS NOT NULL
          FROM {{source}}
          JOIN {Plan._meta.db_table} p ON p.id = t.plan_id
         CROSS JOIN {{lateral}} (
               SELECT SUM(CASE WHEN u.metric = %s AND u.day = {{today}} THEN u.value ELSE 0 END) AS requests_today,
                      SUM(CASE WHEN u.metric = %s THEN u.value ELSE 0 END) AS requests_month,
                      SUM(CASE WHEN u.metric = %s AND u.day = {{today}} THEN u.value ELSE 0 END) AS tokens_today,
                      SUM(CASE WHEN u.metric = %s THEN u.value ELSE 0 END) AS tokens_month
                 FROM {UsageCounter._meta.db_table} u
                WHERE u.tenant_id = {{tenant}} AND u.metric IN (%s, %s)
                  AND u.day >= {{month_start}} AND u.day <= {{today}}) used
          LEFT JOIN {SystemSettings._meta.db_table} s ON s.id = 1
          LEFT JOIN {TenantAISettings._meta.db_table} a ON a.tenant_id = t.id
          LEFT JOIN {ProviderCircuit._meta.db_table} c ON c.provider IN ({_CIRCUIT_PLACEHOLDERS})
         WHERE {{where}}
"""


def _snapshot(tenant, rows) -> Snapshot:
    first = rows[0]
    status, ai_enabled, daily, monthly, daily_tokens, monthly_tokens = first[:6]
    requests_today, requests_month, tokens_today, tokens_month = (value or 0 for value in first[6:10])
    policy_input = PolicyInput(
        suspended=status != Tenant.Status.ACTIVE,
        ai_enabled=bool(ai_enabled),
        ai_daily_limit=daily,
        ai_monthly_limit=monthly,
        ai_today=requests_today,
        ai_this_month=requests_month,
        ai_daily_token_limit=daily_tokens,
        ai_monthly_token_limit=monthly_tokens,
        ai_tokens_today=tokens_today,
        ai_tokens_this_month=tokens_month,
        manual_mode=bool(first[26]),
        global_manual_mode=bool(first[27]),
    )
    return Snapshot(
        policy=policy_input,
        start=first[10],
        ai_settings=_ai_settings(tenant, first[11:16]),
        circuits=dict(_circuit(row[17:25]) for row in rows if row[17] is not None),
        price_table=first[16] or "[]",
        request_id=first[25],
    )


def _ai_settings(tenant, values) -> TenantAISettings | None:
    pk, fallback_text, safe_reply, domains, updated_at = values
    if pk is None:
        return None
    found = TenantAISettings(
        id=pk, fallback_text=fallback_text, safe_reply=safe_reply, allowed_link_domains=domains or ""
    )
    found.tenant, found.updated_at = tenant, _datetime(updated_at)
    found._state.adding, found._state.db = False, "default"
    return found


def _circuit(values) -> tuple[str, ProviderCircuit]:
    pk, provider, state, failures, opened_at, open_until, last_error, updated_at = values
    found = ProviderCircuit(
        id=pk,
        provider=provider,
        state=state,
        consecutive_failures=failures,
        opened_at=_datetime(opened_at),
        open_until=_datetime(open_until),
        last_error=last_error,
    )
    found.updated_at = _datetime(updated_at)
    found._state.adding, found._state.db = False, "default"
    return provider, found


@lru_cache(maxsize=16)
def _prices(aggregated, provider) -> dict:
    """{model: ModelPrice} of `provider` from the JSON array of [provider, model, prompt, completion].
    Kept per text: every call reads the table's current text, so a changed price is a new entry (the
    dict and its prices are shared: read them only)."""
    prices: dict = {}
    for owner, model, prompt, completion in json.loads(aggregated):
        if owner != provider:
            continue
        prices[model] = ModelPrice(
            provider=owner,
            model=model,
            prompt_usd_per_million=Decimal(str(prompt)),
            completion_usd_per_million=Decimal(str(completion)),
        )
    return prices


def _datetime(value):
    """PostgreSQL returns aware datetimes; SQLite the naive UTC value Django stored (as a datetime
    or as its text, depending on how the column was declared)."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is None or timezone.is_aware(value):
        return value
    return value.replace(tzinfo=UTC)
