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


ABUSE_CODES = ("AI_GUARDRAIL_VIOLATION", "AI_ABUSE_THROTTLED")


@check(
    "tenant_ai_abuse",
    "The tenant's AI guardrail violations and throttled contacts in the last hour stay under SPIKE_MIN_COUNT",
    needs="tenant",
)
def tenant_ai_abuse(*, tenant, connection=None):
    """Read from the Error Center (this layer may not import the AI app): the events the gateway emits."""
    from datetime import timedelta

    from django.utils import timezone

    from apps.events.models import SystemEvent

    since = timezone.now() - timedelta(hours=1)
    events = SystemEvent.objects.filter(tenant=tenant, code__in=ABUSE_CODES, occurred_at__gte=since)
    by_rule, throttled = {}, 0
    for code, meta in events.values_list("code", "meta")[:5000]:
        if code == "AI_ABUSE_THROTTLED":
            throttled += 1
        else:
            rule = (meta or {}).get("rule", "unknown")
            by_rule[rule] = by_rule.get(rule, 0) + 1
    violations = sum(by_rule.values())
    value = {"violations": violations, "violations_by_rule": by_rule, "throttled_contacts": throttled}
    detail = f"last hour: {violations} guardrail violation(s), {throttled} contact(s) throttled"
    if by_rule:
        detail += " (" + ", ".join(f"{rule} {n}" for rule, n in sorted(by_rule.items(), key=lambda kv: -kv[1])) + ")"
    if max(violations, throttled) >= settings.SPIKE_MIN_COUNT:
        raise CheckFailed(detail, value=value)
    return value, detail
