"""Tenant checks: the switches and the usage against limits, as tenants.policy decides them."""

from django.conf import settings

from apps.health.checks import CheckFailed, check


@check("tenant_switches", "The tenant is active and WhatsApp and AI are allowed", needs="tenant")
def tenant_switches(*, tenant, connection=None):
    from apps.tenants import policy

    p = policy.input_for(tenant)
    whatsapp, ai = policy.decide_whatsapp(p), _ai_switch(p)
    value = {"status": tenant.status, "whatsapp": whatsapp.code or "allowed", "ai": ai.code or "allowed"}
    refused = [decision.reason for decision in (whatsapp, ai) if not decision]
    if refused:
        raise CheckFailed(" ".join(dict.fromkeys(refused)), value=value)
    return value, "active; WhatsApp and AI switched on"


def _ai_switch(p):
    """Only the switch and the tenant status: AI limits belong to tenant_usage."""
    from apps.tenants import policy

    if p.suspended:
        return policy.deny(policy.TENANT_SUSPENDED)
    return policy.ALLOW if p.ai_enabled else policy.deny(policy.AI_DISABLED_TENANT)


# A bot count at its limit only stops new bots; messages and AI at their limits stop traffic.
BLOCKING = ("messages_this_month", "ai_today", "ai_this_month")


@check("tenant_usage", "The tenant's usage stays under HEALTH_USAGE_FAIL_PERCENT of each plan limit", needs="tenant")
def tenant_usage(*, tenant, connection=None):
    from apps.tenants import policy

    p = policy.input_for(tenant)
    used = {
        "messages_this_month": (p.messages_this_month, p.monthly_message_limit),
        "ai_today": (p.ai_today, p.ai_daily_limit),
        "ai_this_month": (p.ai_this_month, p.ai_monthly_limit),
        "bots": (p.bots, p.bot_limit),
    }
    value = {
        key: {"used": count, "limit": limit, "percent": _percent(count, limit)} for key, (count, limit) in used.items()
    }
    detail = ", ".join(f"{key} {count}/{limit}" for key, (count, limit) in used.items())
    over = [key for key in BLOCKING if value[key]["percent"] >= settings.HEALTH_USAGE_FAIL_PERCENT]
    if over:
        raise CheckFailed(
            f"at or above {settings.HEALTH_USAGE_FAIL_PERCENT}% of the limit: {', '.join(over)} ({detail})", value=value
        )
    return value, detail


def _percent(count, limit):
    if not limit:
        return 100.0 if count else 0.0
    return round(100.0 * count / limit, 1)
