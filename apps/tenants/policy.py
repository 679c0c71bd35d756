"""The one place that decides what a tenant may do right now.

Every sending path, AI call and bot creation asks here; nothing else reads the switches or the
plan limits to make a decision. The deciding functions are pure over a `PolicyInput`, so the
whole table of combinations is tested without a database; `*_for(tenant)` load the input.
"""

from dataclasses import dataclass, replace

TENANT_SUSPENDED = "TENANT_SUSPENDED"
WHATSAPP_DISABLED_TENANT = "WHATSAPP_DISABLED_TENANT"
WHATSAPP_DISABLED_GLOBAL = "WHATSAPP_DISABLED_GLOBAL"
AI_DISABLED_TENANT = "AI_DISABLED_TENANT"
MESSAGE_LIMIT_EXCEEDED = "MESSAGE_LIMIT_EXCEEDED"
BOT_LIMIT_EXCEEDED = "BOT_LIMIT_EXCEEDED"
AI_DAILY_LIMIT_EXCEEDED = "AI_DAILY_LIMIT_EXCEEDED"
AI_MONTHLY_LIMIT_EXCEEDED = "AI_MONTHLY_LIMIT_EXCEEDED"
MANUAL_MODE_TENANT = "MANUAL_MODE_TENANT"
MANUAL_MODE_GLOBAL = "MANUAL_MODE_GLOBAL"

REASONS = {
    TENANT_SUSPENDED: "The account is suspended.",
    WHATSAPP_DISABLED_TENANT: "WhatsApp is switched off for this account.",
    WHATSAPP_DISABLED_GLOBAL: "WhatsApp is switched off platform-wide.",
    AI_DISABLED_TENANT: "AI is switched off for this account.",
    MESSAGE_LIMIT_EXCEEDED: "The plan's monthly message limit is reached.",
    BOT_LIMIT_EXCEEDED: "The plan's bot limit is reached.",
    AI_DAILY_LIMIT_EXCEEDED: "The daily AI limit (requests or tokens) is reached.",
    AI_MONTHLY_LIMIT_EXCEEDED: "The monthly AI limit (requests or tokens) is reached.",
    MANUAL_MODE_TENANT: "Manual mode is on for this account: people answer customers, AI replies and drafts stop.",
    MANUAL_MODE_GLOBAL: "Manual mode is on platform-wide: people answer customers, AI replies and drafts stop.",
}


@dataclass(frozen=True)
class Decision:
    allowed: bool
    code: str | None = None

    @property
    def reason(self) -> str:
        return REASONS.get(self.code, "") if self.code else ""

    def __bool__(self):
        return self.allowed


ALLOW = Decision(True)


def deny(code: str) -> Decision:
    return Decision(False, code)


@dataclass(frozen=True)
class PolicyInput:
    suspended: bool = False
    whatsapp_enabled: bool = True
    global_whatsapp_enabled: bool = True
    ai_enabled: bool = True
    monthly_message_limit: int = 1000
    messages_this_month: int = 0
    bot_limit: int = 1
    bots: int = 0
    ai_daily_limit: int = 100
    ai_monthly_limit: int = 1000
    ai_today: int = 0
    ai_this_month: int = 0
    ai_daily_token_limit: int = 200_000
    ai_monthly_token_limit: int = 2_000_000
    ai_tokens_today: int = 0
    ai_tokens_this_month: int = 0
    manual_mode: bool = False
    global_manual_mode: bool = False


def decide_whatsapp(p: PolicyInput) -> Decision:
    if p.suspended:
        return deny(TENANT_SUSPENDED)
    if not p.global_whatsapp_enabled:
        return deny(WHATSAPP_DISABLED_GLOBAL)
    if not p.whatsapp_enabled:
        return deny(WHATSAPP_DISABLED_TENANT)
    return ALLOW


def decide_message(p: PolicyInput, count: int = 1) -> Decision:
    """May the tenant send `count` more messages this month (any channel)?"""
    if p.suspended:
        return deny(TENANT_SUSPENDED)
    if p.messages_this_month + count > p.monthly_message_limit:
        return deny(MESSAGE_LIMIT_EXCEEDED)
    return ALLOW


def decide_whatsapp_message(p: PolicyInput, count: int = 1) -> Decision:
    decision = decide_whatsapp(p)
    return decision if not decision else decide_message(p, count)


def decide_ai(p: PolicyInput) -> Decision:
    if p.suspended:
        return deny(TENANT_SUSPENDED)
    if not p.ai_enabled:
        return deny(AI_DISABLED_TENANT)
    if p.ai_today >= p.ai_daily_limit or p.ai_tokens_today >= p.ai_daily_token_limit:
        return deny(AI_DAILY_LIMIT_EXCEEDED)
    if p.ai_this_month >= p.ai_monthly_limit or p.ai_tokens_this_month >= p.ai_monthly_token_limit:
        return deny(AI_MONTHLY_LIMIT_EXCEEDED)
    return ALLOW


def ai_requests_left(p: PolicyInput) -> int:
    """Requests the tenant may still make before the nearer of its daily and monthly limits."""
    return min(p.ai_daily_limit - p.ai_today, p.ai_monthly_limit - p.ai_this_month)


def with_ai_usage(p: PolicyInput, used) -> PolicyInput:
    """`p` with fresh AI counters (`usage.AIUsage`, read under the tenant's reservation turn)."""
    return replace(
        p,
        ai_today=used.requests_today,
        ai_this_month=used.requests_this_month,
        ai_tokens_today=used.tokens_today,
        ai_tokens_this_month=used.tokens_this_month,
    )


def decide_manual_mode(p: PolicyInput) -> Decision:
    """Allowed while automation answers customers; denied (with the scope) while people do."""
    if p.global_manual_mode:
        return deny(MANUAL_MODE_GLOBAL)
    if p.manual_mode:
        return deny(MANUAL_MODE_TENANT)
    return ALLOW


def decide_ai_reply(p: PolicyInput) -> Decision:
    """May AI answer a customer (a bot's reply, a draft for an agent)? Manual mode stops both;
    the OpenAI-compatible API and probes are the tenant's own calls and follow `decide_ai`."""
    decision = decide_manual_mode(p)
    return decision if not decision else decide_ai(p)


def decide_bot(p: PolicyInput) -> Decision:
    if p.suspended:
        return deny(TENANT_SUSPENDED)
    if p.bots >= p.bot_limit:
        return deny(BOT_LIMIT_EXCEEDED)
    return ALLOW


def input_for(tenant, now=None) -> PolicyInput:
    from apps.tenants.models import SystemSettings
    from apps.tenants.usage import usage_for

    usage = usage_for(tenant, now)
    system = SystemSettings.load()
    return PolicyInput(
        suspended=not tenant.is_active,
        whatsapp_enabled=tenant.is_whatsapp_enabled,
        global_whatsapp_enabled=system.global_whatsapp_enabled,
        ai_enabled=tenant.is_ai_enabled,
        monthly_message_limit=tenant.plan.monthly_message_limit,
        messages_this_month=usage.messages_this_month,
        bot_limit=tenant.plan.bot_limit,
        bots=usage.bots,
        ai_daily_limit=tenant.effective_ai_daily_limit,
        ai_monthly_limit=tenant.effective_ai_monthly_limit,
        ai_today=usage.ai_today,
        ai_this_month=usage.ai_this_month,
        ai_daily_token_limit=tenant.effective_ai_daily_token_limit,
        ai_monthly_token_limit=tenant.effective_ai_monthly_token_limit,
        ai_tokens_today=usage.ai_tokens_today,
        ai_tokens_this_month=usage.ai_tokens_this_month,
        **manual_mode_input(tenant, system),
    )


def manual_mode_input(tenant, system=None) -> dict:
    from apps.tenants.models import SystemSettings

    system = system or SystemSettings.load()
    return {
        "manual_mode": tenant.manual_mode_since is not None,
        "global_manual_mode": system.manual_mode_since is not None,
    }


def manual_mode(tenant) -> Decision:
    """Denied while the tenant is in fallback manual mode (its own switch or the platform's)."""
    return decide_manual_mode(PolicyInput(**manual_mode_input(tenant)))


def can_send_whatsapp(tenant, count: int = 1, now=None) -> Decision:
    return decide_whatsapp_message(input_for(tenant, now), count)


def can_send_message(tenant, count: int = 1, now=None) -> Decision:
    return decide_message(input_for(tenant, now), count)


def ai_input_for(tenant, now=None) -> PolicyInput:
    """The input `decide_ai` reads, and only that (one query for the counters): every AI call asks."""
    from apps.tenants.usage import ai_usage_for

    used = ai_usage_for(tenant, now)
    return PolicyInput(
        suspended=not tenant.is_active,
        ai_enabled=tenant.is_ai_enabled,
        ai_daily_limit=tenant.effective_ai_daily_limit,
        ai_monthly_limit=tenant.effective_ai_monthly_limit,
        ai_today=used.requests_today,
        ai_this_month=used.requests_this_month,
        ai_daily_token_limit=tenant.effective_ai_daily_token_limit,
        ai_monthly_token_limit=tenant.effective_ai_monthly_token_limit,
        ai_tokens_today=used.tokens_today,
        ai_tokens_this_month=used.tokens_this_month,
        **manual_mode_input(tenant),
    )


def can_use_ai(tenant, now=None) -> Decision:
    return decide_ai(ai_input_for(tenant, now))


def can_reply_with_ai(tenant, now=None) -> Decision:
    return decide_ai_reply(ai_input_for(tenant, now))


def ai_retry_after_s(code: str | None, tenant, now=None) -> int | None:
    """For an AI limit refusal, whole seconds until the limit resets: the tenant's next local
    midnight (daily) or the first of next month (monthly); None for any other code."""
    from apps.tenants.usage import seconds_to_next_day, seconds_to_next_month

    if code == AI_DAILY_LIMIT_EXCEEDED:
        return seconds_to_next_day(tenant, now)
    if code == AI_MONTHLY_LIMIT_EXCEEDED:
        return seconds_to_next_month(tenant, now)
    return None


def can_create_bot(tenant, now=None) -> Decision:
    return decide_bot(input_for(tenant, now))
