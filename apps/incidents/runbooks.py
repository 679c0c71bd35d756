"""Which runbook covers an event code, an event or an incident. A runbook covers the codes listed
on it (editable in the admin); a code no runbook lists falls back to the catalog's runbook slug.

An incident opened by detection carries the runbook of what failed — the monitor's component or
provider, the alert rule's metric, the spiking code — chosen here (`slug_for_*`), because the code
that announces detection (HEALTH_CHECK_FAILED, ALERT_RULE_TRANSITION) says nothing about what to do."""

from apps.events import codes as catalog
from apps.events.components import DETECTION_CODES
from apps.incidents.models import Runbook

MONITOR_RUNBOOKS = {
    "database": "database-down",
    "redis": "redis-down",
    "workers": "jobs-failing",
    "ai_provider": "ai-provider-outage",
    "backups": "database-lost",
}
PROVIDER_RUNBOOKS = {
    "chatwoot": "chatwoot-down",
    "waha": "waha-down",
    "meta": "whatsapp-outbound",
    "n8n": "n8n-down",
    "pms": "pms-down",
    "telegram": "outbound-blocked",
}
METRIC_RUNBOOKS = {
    "message_delivery_failure_rate": "outbound-blocked",
    "webhook_failure_rate": "webhook-failures",
    "webhook_success_rate": "webhook-failures",
    "dead_letters_per_hour": "webhook-failures",
    "sla_breaches": "ticket-response",
    "avg_first_response_minutes": "ticket-response",
    "ai_tenant_share": "ai-cost-spike",
    "ai_cost_today": "ai-cost-spike",
    "ai_budget_used": "ai-cost-spike",
    "ai_cost_vs_baseline": "ai-cost-spike",
    "ai_fallback_rate": "ai-provider-outage",
}


def for_codes(codes) -> list[Runbook]:
    """The runbooks covering `codes`, in the order of the codes, each once."""
    books = list(Runbook.objects.all())
    by_slug = {book.slug: book for book in books}
    found = []
    for code in codes:
        listed = [book for book in books if code in (book.codes or [])]
        entry = catalog.get(code)
        fallback = [by_slug[entry.runbook]] if entry and entry.runbook in by_slug else []
        found += [book for book in (listed or fallback) if book not in found]
    return found


def for_code(code) -> Runbook | None:
    books = for_codes([code])
    return books[0] if books else None


def slug_for_code(code) -> str:
    book = for_code(code)
    return book.slug if book else ""


def slug_for_monitor(kind, provider="") -> str:
    """A connection's monitor: its provider's "down" runbook; a platform monitor: its component's."""
    return PROVIDER_RUNBOOKS.get(provider, "") if provider else MONITOR_RUNBOOKS.get(kind, "")


def slug_for_metric(metric, params=None) -> str:
    """An alert rule's runbook from what its metric measures (`event_count`: the code it counts)."""
    code = (params or {}).get("code")
    if metric == "event_count" and code:
        return slug_for_code(code)
    return METRIC_RUNBOOKS.get(metric, "")


def by_slug(slug) -> Runbook | None:
    return Runbook.objects.filter(slug=slug).first() if slug else None


def for_incident(incident) -> list[Runbook]:
    """The runbook detection chose first, then those of the codes it is about (codes that only
    announce detection count only when nothing better is known)."""
    from apps.incidents.services.evidence import incident_codes

    codes = incident_codes(incident)
    chosen = [incident.runbook] if incident.runbook_id else []
    if chosen:
        codes = [code for code in codes if code not in DETECTION_CODES]
    return chosen + [book for book in for_codes(codes) if book not in chosen]


def checks_for(incident) -> list[str]:
    """Every check the incident's runbooks name, in order, each once."""
    names = []
    for book in for_incident(incident):
        names += [name for name in book.checks if name not in names]
    return names
