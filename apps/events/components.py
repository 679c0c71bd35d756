"""Which part of the system each event code is about, so a tenant's failures meet the incident of
the part that fails: an n8n monitor's incident takes the tenant's N8N_TRIGGER_FAIL events, a
delivery-failure alert takes its WAHA_SEND_FAIL events.

A code may belong to several components (WAHA_SEND_FAIL is about WAHA and about delivery). Codes
that only announce detection (HEALTH_CHECK_FAILED, ALERT_RULE_TRANSITION, ERROR_SPIKE) belong to
none: they say that something failed, not what."""

import functools

from apps.events import codes as catalog

PROVIDERS = ("meta", "waha", "chatwoot", "pms", "telegram", "n8n")
DELIVERY = "delivery"
WEBHOOKS = "webhooks"

_OWN = {
    "meta": [
        "META_WEBHOOK_VERIFY_FAIL",
        "META_WEBHOOK_TIMEOUT",
        "META_SEND_FAIL",
        "META_TOKEN_EXPIRED",
        "WHATSAPP_CONNECTION_UPDATE",
    ],
    "waha": ["WAHA_SESSION_DOWN", "WAHA_SEND_FAIL", "WHATSAPP_CONNECTION_UPDATE"],
    "chatwoot": ["CHATWOOT_SYNC_FAILED"],
    "pms": ["PMS_SYNC_FAILED"],
    "telegram": ["TELEGRAM_SEND_FAIL"],
    "n8n": ["N8N_TRIGGER_FAIL", "N8N_TIMEOUT", "HEARTBEAT_MISSED", "HEARTBEAT_FAILED"],
    DELIVERY: ["META_SEND_FAIL", "META_TOKEN_EXPIRED", "WAHA_SEND_FAIL", "TELEGRAM_SEND_FAIL"],
    WEBHOOKS: ["WEBHOOK_PROCESSING_FAILED", "META_WEBHOOK_TIMEOUT", "INBOUND_SILENCE"],
    "tickets": ["SLA_BREACHED"],
    "workers": ["JOB_FAILED"],
    "database": ["SLOW_REQUEST"],
    "backups": ["BACKUP_FAILED", "RESTORE_DRILL_FAILED"],
    "ai_provider": ["AI_FAILURE_FALLBACK_SENT"],
    "ai_abuse": ["AI_GUARDRAIL_VIOLATION", "AI_ABUSE_THROTTLED"],
}
DETECTION_CODES = ("HEALTH_CHECK_FAILED", "HEALTH_CHECK_RECOVERED", "ALERT_RULE_TRANSITION", "ERROR_SPIKE")


def _with_provider_webhook_codes():
    """Each provider's webhook codes join its component; its dead letters join `webhooks` too."""
    components = {name: list(codes) for name, codes in _OWN.items()}
    for provider in PROVIDERS:
        signature, dead = f"{provider.upper()}_WEBHOOK_SIGNATURE_FAIL", f"{provider.upper()}_WEBHOOK_DEAD_LETTERED"
        components[provider] += [code for code in (signature, dead) if catalog.get(code)]
        components[WEBHOOKS] += [dead] if catalog.get(dead) else []
    return {name: tuple(dict.fromkeys(codes)) for name, codes in components.items()}


COMPONENTS = _with_provider_webhook_codes()

# What each alert rule's metric measures; `event_count` is about the code or category it counts.
METRIC_COMPONENTS = {
    "message_delivery_failure_rate": (DELIVERY,),
    "webhook_failure_rate": (WEBHOOKS,),
    "webhook_success_rate": (WEBHOOKS,),
    "dead_letters_per_hour": (WEBHOOKS,),
    "sla_breaches": ("tickets",),
    "avg_first_response_minutes": ("tickets",),
    "ai_fallback_rate": ("ai_provider",),
}


def codes_of(components) -> list[str]:
    """The codes of the components, each once, in catalog order of the components given."""
    found = [code for name in components for code in COMPONENTS.get(name, ())]
    return list(dict.fromkeys(found))


@functools.cache
def of_code(code) -> tuple[str, ...]:
    """The components a code is about (asked once per stored event, so remembered per code)."""
    return tuple(name for name, codes in COMPONENTS.items() if code in codes)


def of_monitor(kind, provider="") -> tuple[str, ...]:
    """A connection monitor is about its provider; a platform monitor about its component."""
    if provider:
        return (provider,) if provider in COMPONENTS else ()
    return (kind,) if kind in COMPONENTS else ()


def of_metric(metric, params=None) -> tuple[str, ...]:
    params = params or {}
    if metric == "event_count" and params.get("code"):
        return of_code(params["code"])
    if metric == "event_count" and params.get("category"):
        return tuple(
            dict.fromkeys(name for code in catalog.codes_in_category(params["category"]) for name in of_code(code))
        )
    return METRIC_COMPONENTS.get(metric, ())
