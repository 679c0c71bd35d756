"""Every combination of switches and limits, against the precedence the runbooks need:
suspension first, then the global switch, then the tenant's switch, then the limits."""

import itertools

import pytest

from apps.tenants import policy
from apps.tenants.policy import PolicyInput

FLAGS = list(itertools.product([False, True], repeat=4))


def expected_whatsapp(suspended, global_off, tenant_off, at_limit):
    for condition, code in (
        (suspended, "TENANT_SUSPENDED"),
        (global_off, "WHATSAPP_DISABLED_GLOBAL"),
        (tenant_off, "WHATSAPP_DISABLED_TENANT"),
        (at_limit, "MESSAGE_LIMIT_EXCEEDED"),
    ):
        if condition:
            return code
    return None


@pytest.mark.parametrize("suspended,global_off,tenant_off,at_limit", FLAGS)
def test_whatsapp_message_decision_for_every_combination(suspended, global_off, tenant_off, at_limit):
    inputs = PolicyInput(
        suspended=suspended,
        global_whatsapp_enabled=not global_off,
        whatsapp_enabled=not tenant_off,
        monthly_message_limit=10,
        messages_this_month=10 if at_limit else 9,
    )
    decision = policy.decide_whatsapp_message(inputs)
    assert decision.code == expected_whatsapp(suspended, global_off, tenant_off, at_limit)
    assert decision.allowed is (decision.code is None)
    assert bool(decision.reason) is (decision.code is not None)


@pytest.mark.parametrize("suspended,ai_off,day_full,month_full", FLAGS)
def test_ai_decision_for_every_combination(suspended, ai_off, day_full, month_full):
    inputs = PolicyInput(
        suspended=suspended,
        ai_enabled=not ai_off,
        ai_daily_limit=5,
        ai_monthly_limit=50,
        ai_today=5 if day_full else 4,
        ai_this_month=50 if month_full else 49,
    )
    expected = next(
        (
            code
            for cond, code in (
                (suspended, "TENANT_SUSPENDED"),
                (ai_off, "AI_DISABLED_TENANT"),
                (day_full, "AI_DAILY_LIMIT_EXCEEDED"),
                (month_full, "AI_MONTHLY_LIMIT_EXCEEDED"),
            )
            if cond
        ),
        None,
    )
    assert policy.decide_ai(inputs).code == expected


@pytest.mark.parametrize(
    "suspended,bots,limit,expected",
    [
        (False, 0, 1, None),
        (False, 1, 1, "BOT_LIMIT_EXCEEDED"),
        (False, 5, 3, "BOT_LIMIT_EXCEEDED"),
        (True, 0, 1, "TENANT_SUSPENDED"),
        (True, 1, 1, "TENANT_SUSPENDED"),
        (False, 0, 0, "BOT_LIMIT_EXCEEDED"),
    ],
)
def test_bot_decision(suspended, bots, limit, expected):
    assert policy.decide_bot(PolicyInput(suspended=suspended, bots=bots, bot_limit=limit)).code == expected


@pytest.mark.parametrize(
    "used,count,limit,allowed",
    [
        (0, 1, 1, True),
        (1, 1, 1, False),
        (5, 5, 10, True),
        (6, 5, 10, False),
        (0, 0, 0, True),
    ],
)
def test_message_limit_counts_the_messages_about_to_be_sent(used, count, limit, allowed):
    inputs = PolicyInput(messages_this_month=used, monthly_message_limit=limit)
    assert policy.decide_message(inputs, count).allowed is allowed


def test_global_switch_does_not_block_non_whatsapp_messages():
    inputs = PolicyInput(global_whatsapp_enabled=False, whatsapp_enabled=False)
    assert policy.decide_message(inputs).allowed
    assert policy.decide_whatsapp_message(inputs).code == "WHATSAPP_DISABLED_GLOBAL"


def test_tenant_policy_reads_plan_overrides_usage_and_global_switch(tenant, staff):
    from apps.tenants import services
    from apps.tenants.models import UsageCounter
    from apps.tenants.usage import increment

    tenant.plan.ai_daily_limit = 10
    tenant.plan.save()
    services.set_ai_limits(tenant, daily=2, monthly=None, actor=staff, reason="abuse review")
    tenant.refresh_from_db()
    increment(tenant, UsageCounter.Metric.AI_REQUESTS, 2)
    assert policy.can_use_ai(tenant).code == "AI_DAILY_LIMIT_EXCEEDED"

    services.set_global_whatsapp(False, actor=staff, reason="Redis down")
    assert policy.can_send_whatsapp(tenant).code == "WHATSAPP_DISABLED_GLOBAL"
    assert policy.can_send_message(tenant).allowed
