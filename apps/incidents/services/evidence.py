"""Is it over? Read-only evidence for an incident, judged by what opened it:

- an alert rule's incident by the rule's metric now (over its window, tenant-scoped when the
  incident is one tenant's), against the rule's thresholds and minimum volume;
- a health monitor's incident by the monitors' current state;
- any other by the rate of its codes in the spike detector's window against the rate before the
  incident began, over the detector's baseline period.

Each says "no data" (back_to_baseline None) when there is nothing to judge by, never "yes"."""

import math
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from apps.core.admin_display import number
from apps.events.components import DETECTION_CODES
from apps.events.models import SystemEvent
from apps.events.spikes import is_spiking

MAX_CODES = 20
ALERT_KEY = "alert:"
HEALTH_KEY = "health:"


def incident_codes(incident) -> list[str]:
    linked = incident.events.order_by().values_list("code", flat=True).distinct()[:MAX_CODES]
    return sorted(set(incident.codes or []) | set(linked))[:MAX_CODES]


def judge(incident, now=None) -> dict:
    """{"basis", "back_to_baseline" (True, False or None for no data), "summary", …}."""
    now = now or timezone.now()
    rule = alert_rule_of(incident)
    if rule is not None:
        return by_alert_rule(incident, rule, now)
    monitors = monitors_of(incident)
    if monitors:
        return by_monitors(monitors)
    return rate_evidence(incident, now)


# --- alert rules -------------------------------------------------------------------------------


def alert_rule_of(incident):
    """The rule whose dedup key (`alert:<rule>` or `alert:<rule>:tenant:<tenant>`) opened it."""
    from apps.events.alert_models import AlertRule

    parts = incident.dedup_key.split(":") if incident.dedup_key.startswith(ALERT_KEY) else []
    return AlertRule.objects.filter(pk=int(parts[1])).first() if len(parts) > 1 and parts[1].isdigit() else None


def by_alert_rule(incident, rule, now) -> dict:
    from apps.events import alerts, metrics

    scope = _tenant_scope(incident)
    reading = alerts.read(rule, now, scope)
    unit = getattr(metrics.REGISTRY.get(rule.metric), "unit", "")
    row = {
        "rule": rule.name,
        "metric": rule.metric,
        "value": reading.value,
        "unit": unit,
        "volume": reading.volume,
        "min_volume": rule.min_volume,
        "window_minutes": rule.window_minutes,
        "tenant": scope.get("tenant", ""),
    }
    if not reading.has_data:
        return _result("alert_rule", None, _no_rule_data(rule, reading), rule=row)
    state = alerts.observed_state(rule, reading.value)
    row["state"] = state
    where = f" for {scope['tenant']}" if scope else ""
    measured = f"{rule.name}{where} is {reading.value:g}{unit} over the last {rule.window_minutes} min"
    if state == "ok":
        return _result("alert_rule", True, f"Over by the rule's measure: {measured}, inside its thresholds.", rule=row)
    return _result("alert_rule", False, f"NOT over: {measured} ({state}; {_thresholds(rule, unit)}).", rule=row)


def _tenant_scope(incident):
    """A tenant's alert incident is judged on that tenant's share of the metric."""
    if ":tenant:" not in incident.dedup_key:
        return {}
    tenant = incident.affected_tenants.order_by("pk").first()
    return {"tenant": tenant.slug} if tenant else {}


def _no_rule_data(rule, reading):
    if reading.too_little:
        return (
            f"No data: only {reading.volume} outcome(s) in the last {rule.window_minutes} min; "
            f"{rule.name} judges from {rule.min_volume}."
        )
    return f"No data: {rule.name} has no value for the last {rule.window_minutes} min (nothing was measured)."


def _thresholds(rule, unit):
    word = "above" if rule.comparison == "above" else "below"
    limits = [
        f"{name} {word} {value:g}{unit}"
        for name, value in (("warning", rule.warning_threshold), ("critical", rule.critical_threshold))
        if value is not None
    ]
    return ", ".join(limits)


# --- health monitors ---------------------------------------------------------------------------


def monitors_of(incident) -> list:
    """The monitors whose failures opened or joined it (also once a newer incident took them over)."""
    from apps.health.models import HealthMonitor

    scope = Q(incident=incident)
    if incident.dedup_key.startswith(HEALTH_KEY):
        scope |= Q(key=incident.dedup_key[len(HEALTH_KEY) :])
    return list(HealthMonitor.objects.filter(scope).order_by("name"))


def by_monitors(monitors) -> dict:
    rows = [
        {
            "name": m.name,
            "state": m.state,
            "detail": m.last_detail,
            "checked_at": m.last_checked_at,
            "healthy": _healthy(m),
        }
        for m in monitors
    ]
    failing = [row for row in rows if row["healthy"] is False]
    unknown = [row for row in rows if row["healthy"] is None]
    if failing:
        text = "; ".join(f"{row['name']} is {row['state']} ({row['detail']})" for row in failing)
        return _result("monitors", False, f"NOT over: {text}.", monitors=rows)
    if unknown:
        names = ", ".join(row["name"] for row in unknown)
        return _result("monitors", None, f"No data: {names} has not been checked since it failed.", monitors=rows)
    text = "; ".join(f"{row['name']}: {row['detail']}" for row in rows)
    return _result(
        "monitors", True, f"Over by the monitors: every monitor of this incident is healthy ({text}).", monitors=rows
    )


def _healthy(monitor):
    return {"healthy": True, "failing": False, "down": False}.get(monitor.state)


def _result(basis, verdict, summary, **details) -> dict:
    return {
        "basis": basis,
        "back_to_baseline": verdict,
        "summary": summary,
        "codes": [],
        "window_minutes": settings.SPIKE_WINDOW_MINUTES,
        **details,
    }


# --- event codes -------------------------------------------------------------------------------


def rate_evidence(incident, now=None) -> dict:
    """`codes`: [{code, current, baseline, back_to_baseline, spiking}]. `current` counts the last
    SPIKE_WINDOW_MINUTES; `baseline` is the average per window over the SPIKE_BASELINE_DAYS before
    the incident began, for its affected tenants (all when none). A code with no event at all in
    that whole time has no data (back_to_baseline None)."""
    now = now or timezone.now()
    codes = [code for code in incident_codes(incident) if code not in DETECTION_CODES]
    if not codes:
        return _result(
            "codes",
            None,
            "No data: no event codes on this incident say what failed, so there is no error rate to compare.",
        )
    rows = [_row(code, counts) for code, counts in _counts(incident, codes, now).items()]
    verdicts = [row["back_to_baseline"] for row in rows]
    verdict = False if False in verdicts else (True if True in verdicts else None)
    return {**_result("codes", verdict, _summary(rows, verdict)), "codes": rows}


def _counts(incident, codes, now):
    window = timedelta(minutes=settings.SPIKE_WINDOW_MINUTES)
    period = timedelta(days=settings.SPIKE_BASELINE_DAYS)
    began = min(incident.began_at, now - window)
    events = SystemEvent.objects.filter(code__in=codes, occurred_at__gte=began - period, occurred_at__lte=now)
    tenant_ids = list(incident.tenants_concerned().values_list("pk", flat=True))
    if tenant_ids:
        events = events.filter(tenant_id__in=tenant_ids)
    rows = (
        events.order_by()
        .values("code")
        .annotate(
            current=Count("id", filter=Q(occurred_at__gt=now - window)),
            before=Count("id", filter=Q(occurred_at__lt=began)),
            total=Count("id"),
        )
    )
    found = {row["code"]: (row["current"], row["before"] / (period / window), row["total"]) for row in rows}
    return {code: found.get(code, (0, 0.0, 0)) for code in codes}


def _row(code, counts):
    current, baseline, total = counts
    allowed = math.ceil(baseline * settings.INCIDENT_RECOVERY_TOLERANCE)
    return {
        "code": code,
        "current": current,
        "baseline": round(baseline, 2),
        "back_to_baseline": current <= allowed if total else None,
        "spiking": is_spiking(current, baseline),
    }


def _summary(rows, verdict):
    per = f"per {settings.SPIKE_WINDOW_MINUTES} min"
    if verdict is None:
        return (
            f"No data: no {', '.join(row['code'] for row in rows)} events before, during or since the incident "
            "for its tenants, so there is no error rate to compare."
        )
    shown = [row for row in rows if row["back_to_baseline"] is verdict]
    head = "Error rate back to baseline" if verdict else "Error rate NOT back to baseline"
    return f"{head} ({per}): " + ", ".join(
        f"{row['code']} {row['current']} now vs {number(row['baseline'])} usual" for row in shown
    )


def sla_breaches_of_linked_tickets(incident) -> int:
    """Breached SLA targets of the tickets linked to the incident."""
    breaches = 0
    for ticket in incident.tickets.only(
        "first_response_breached_at", "next_response_breached_at", "resolution_breached_at"
    ):
        breaches += sum(
            1
            for moment in (
                ticket.first_response_breached_at,
                ticket.next_response_breached_at,
                ticket.resolution_breached_at,
            )
            if moment
        )
    return breaches


def conversations_during(incident, now) -> int:
    """Conversations of the affected tenants with a message while the incident lasted: the people
    who may have met the failure."""
    from apps.integrations.models import ConversationMessage

    end = incident.resolved_at or now
    return (
        ConversationMessage.objects.filter(
            tenant__in=incident.affected_tenants.all(),
            conversation__isnull=False,
            sent_at__gte=incident.began_at,
            sent_at__lte=end,
        )
        .values("conversation_id")
        .distinct()
        .count()
    )
