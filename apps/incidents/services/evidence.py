"""What shows an incident is over: for each of its codes, the rate in the spike detector's window
against the rate before the incident began, over the detector's baseline period. Read-only."""
import math
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from apps.events.models import SystemEvent
from apps.events.spikes import is_spiking

MAX_CODES = 20


def incident_codes(incident) -> list[str]:
    linked = incident.events.order_by().values_list("code", flat=True).distinct()[:MAX_CODES]
    return sorted(set(incident.codes or []) | set(linked))[:MAX_CODES]


def rate_evidence(incident, now=None) -> dict:
    """{"codes": [{code, current, baseline, back_to_baseline, spiking}], "back_to_baseline", "summary"}.
    `current` counts the last SPIKE_WINDOW_MINUTES; `baseline` is the average per window over the
    SPIKE_BASELINE_DAYS before the incident began, for its affected tenants (all when none)."""
    now = now or timezone.now()
    codes = incident_codes(incident)
    if not codes:
        return {"codes": [], "back_to_baseline": None, "window_minutes": settings.SPIKE_WINDOW_MINUTES,
                "summary": "No event codes on this incident: there is no error rate to compare."}
    rows = [_row(code, counts) for code, counts in _counts(incident, codes, now).items()]
    recovered = all(row["back_to_baseline"] for row in rows)
    return {"codes": rows, "back_to_baseline": recovered, "window_minutes": settings.SPIKE_WINDOW_MINUTES,
            "summary": _summary(rows, recovered)}


def _counts(incident, codes, now):
    window = timedelta(minutes=settings.SPIKE_WINDOW_MINUTES)
    period = timedelta(days=settings.SPIKE_BASELINE_DAYS)
    began = min(incident.began_at, now - window)
    events = SystemEvent.objects.filter(code__in=codes, occurred_at__gte=began - period, occurred_at__lte=now)
    tenant_ids = list(incident.affected_tenants.values_list("pk", flat=True))
    if tenant_ids:
        events = events.filter(tenant_id__in=tenant_ids)
    rows = events.order_by().values("code").annotate(
        current=Count("id", filter=Q(occurred_at__gt=now - window)),
        before=Count("id", filter=Q(occurred_at__lt=began)))
    found = {row["code"]: (row["current"], row["before"] / (period / window)) for row in rows}
    return {code: found.get(code, (0, 0.0)) for code in codes}


def _row(code, counts):
    current, baseline = counts
    allowed = math.ceil(baseline * settings.INCIDENT_RECOVERY_TOLERANCE)
    return {"code": code, "current": current, "baseline": round(baseline, 2), "back_to_baseline": current <= allowed,
            "spiking": is_spiking(current, baseline)}


def _summary(rows, recovered):
    shown = rows if recovered else [row for row in rows if not row["back_to_baseline"]]
    head = "Error rate back to baseline" if recovered else "Error rate NOT back to baseline"
    per = f"per {settings.SPIKE_WINDOW_MINUTES} min"
    return f"{head} ({per}): " + ", ".join(
        f"{row['code']} {row['current']} now vs {row['baseline']} usual" for row in shown)


def sla_breaches_of_linked_tickets(incident) -> int:
    """Breached SLA targets of the tickets linked to the incident."""
    breaches = 0
    for ticket in incident.tickets.only("first_response_breached_at", "next_response_breached_at",
                                        "resolution_breached_at"):
        breaches += sum(1 for moment in (ticket.first_response_breached_at, ticket.next_response_breached_at,
                                         ticket.resolution_breached_at) if moment)
    return breaches


def conversations_during(incident, now) -> int:
    """Conversations of the affected tenants with a message while the incident lasted: the people
    who may have met the failure."""
    from apps.integrations.models import ConversationMessage

    end = incident.resolved_at or now
    return (ConversationMessage.objects.filter(tenant__in=incident.affected_tenants.all(), conversation__isnull=False,
                                               sent_at__gte=incident.began_at, sent_at__lte=end)
            .values("conversation_id").distinct().count())
