"""Opening incidents: automatically (`open_or_join`, called by spike detection, alert rules and
health monitors), from selected Error Center events, or by hand. Every new incident gets its
first timeline entry and notifies on-call level 1 through `escalation.notify_new`.

Spikes and alert rules are decided here: the Error Center computes the rates and records each
rule's evaluation (`events.spikes`, `events.alerts`); what that opens or joins, and what a
maintenance window holds back, is this module's. When one tenant alone fails behind a critical
rule, it is that tenant's incident (sev3, titled with the tenant), not a platform-wide one.

Affected tenants are told (apps.comms); a tenant whose own misbehaviour an incident is about is its
subject instead, told nothing automatically (`_told_or_subject`)."""

from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from apps.core.errors import ServiceError
from apps.events import alerts, audit, components, emit, spikes
from apps.events import codes as catalog
from apps.events.alert_models import AlertRule, AlertState
from apps.health import maintenance
from apps.health import services as health
from apps.health.models import HealthMonitor, SuppressedAlert
from apps.incidents import runbooks
from apps.incidents.models import DetectionMethod, Incident, Severity, TimelineEntry
from apps.incidents.services.linking import link_events, link_recent_failures
from apps.incidents.services.timeline import add_timeline_entry
from apps.incidents.signals import incident_opened, send_on_commit
from apps.tenants.models import Tenant

MAX_EVENTS_PER_INCIDENT_ACTION = 1000
SEVERITY_BY_LEVEL = {
    catalog.CRITICAL: Severity.SEV1,
    catalog.ERROR: Severity.SEV2,
    catalog.WARNING: Severity.SEV3,
    catalog.INFO: Severity.SEV4,
}
Kind = TimelineEntry.Kind
MISBEHAVIOUR_COMPONENTS = {"ai_abuse"}  # their failures are the tenant's own doing (tenant_abuse.COMPONENT)


def severity_for_codes(codes):
    levels = [entry.level for entry in map(catalog.get, codes) if entry]
    worst = max(levels, key=catalog.LEVEL_RANK.get, default=catalog.WARNING)
    return SEVERITY_BY_LEVEL[worst]


def open_or_join(
    dedup_key,
    *,
    title,
    codes,
    tenant_ids=(),
    subject_tenant_id=None,
    event_ids=(),
    severity=None,
    detection_method=DetectionMethod.SPIKE,
    runbook="",
    components=(),
    now=None,
):
    """The open incident for `dedup_key`, created when there is none, with the given tenants and
    events attached. Returns (incident, created). A partial unique constraint on open incidents'
    dedup keys makes concurrent detectors converge on one incident. A new one notifies level 1.

    `runbook` (a slug) and `components` say what failed; the tenants' recent failures in those
    components are linked now, and new ones as they come while the incident is open.

    `subject_tenant_id` names the tenant whose own behaviour it is about (abuse): linked and acted
    on like an affected tenant, but never told (stakeholder communications go to `tenant_ids` only)."""
    now = now or timezone.now()
    tenant_ids, subject_tenant_id = _told_or_subject(list(tenant_ids), subject_tenant_id, components)
    what = {
        "title": title,
        "codes": list(codes),
        "severity": severity,
        "detection_method": detection_method,
        "runbook": runbooks.by_slug(runbook),
        "components": list(components),
        "subject_tenant_id": subject_tenant_id,
    }
    incident, created = _find_or_create(dedup_key, what, now)
    added = attach(incident, tenant_ids=tenant_ids, event_ids=event_ids)
    if created:
        add_timeline_entry(
            incident,
            Kind.SYSTEM,
            f"Opened by {incident.get_detection_method_display().lower()}: {title}",
            at=now,
            data={
                "dedup_key": dedup_key,
                "codes": list(codes),
                "tenants": sorted(tenant_ids),
                "subject_tenant": subject_tenant_id,
                "runbook": runbook,
                "components": list(components),
            },
        )
    elif added:
        add_timeline_entry(
            incident, Kind.SYSTEM, f"{len(added)} more tenant(s) affected", at=now, data={"tenants": sorted(added)}
        )
    link_recent_failures(incident, [*tenant_ids, *([subject_tenant_id] if subject_tenant_id else [])], now)
    if created:
        _notify(incident, now)
    return incident, created


def _told_or_subject(tenant_ids, subject_tenant_id, components):
    """(affected tenant ids, subject tenant id). Failures of a component that measures the tenants'
    own misbehaviour (AI guardrail violations, abuse throttles) say they are suspects, not victims:
    none is made affected (so none is told); one alone is the subject."""
    if not (components and set(components) <= MISBEHAVIOUR_COMPONENTS and tenant_ids):
        return tenant_ids, subject_tenant_id
    return [], subject_tenant_id or (tenant_ids[0] if len(set(tenant_ids)) == 1 else None)


def _find_or_create(dedup_key, what, now):
    existing = Incident.objects.open().filter(dedup_key=dedup_key).first()
    if existing:
        return existing, False
    what = {**what, "severity": what["severity"] or severity_for_codes(what["codes"])}
    try:
        with transaction.atomic():
            return Incident.objects.create(dedup_key=dedup_key, started_at=now, detected_at=now, **what), True
    except IntegrityError:
        return Incident.objects.open().get(dedup_key=dedup_key), False


def attach(incident, *, tenant_ids=(), event_ids=()):
    """Adds tenants and links unlinked events (and the automation runs and tickets they carry);
    returns the ids of tenants that were not yet affected."""
    added = []
    if tenant_ids:
        known = set(incident.affected_tenants.values_list("pk", flat=True))
        added = [pk for pk in set(tenant_ids) if pk not in known]
        incident.affected_tenants.add(*tenant_ids)
    if event_ids:
        link_events(incident, event_ids)
    return added


def open_from_events(events, *, actor, title=""):
    """An operator's "Open incident from selected events": one incident linking them all."""
    events = list(events[: MAX_EVENTS_PER_INCIDENT_ACTION + 1])
    if not events:
        raise ServiceError("Select at least one event.", code="no_events")
    if len(events) > MAX_EVENTS_PER_INCIDENT_ACTION:
        raise ServiceError(
            f"Select at most {MAX_EVENTS_PER_INCIDENT_ACTION} events; narrow the filter "
            "(the spike detector links the rest automatically).",
            code="too_many_events",
        )
    codes = sorted({event.code for event in events})
    with transaction.atomic():
        incident = Incident.objects.create(
            title=title or f"{', '.join(codes)} — {len(events)} event(s)",
            codes=codes,
            severity=severity_for_codes(codes),
            detection_method=DetectionMethod.MANUAL,
            started_at=min(event.occurred_at for event in events),
            owner=actor,
        )
        incident.affected_tenants.add(*{event.tenant_id for event in events if event.tenant_id})
        link_events(incident, [event.pk for event in events])
        add_timeline_entry(
            incident,
            Kind.SYSTEM,
            f"Opened from {len(events)} Error Center event(s)",
            author=actor,
            data={"codes": codes, "events": len(events)},
        )
        audit.record("incident.opened", actor=actor, target=incident, after={"codes": codes, "events": len(events)})
        _notify(incident, incident.detected_at)
    return incident


def create_incident(
    *,
    actor,
    title,
    severity,
    codes=(),
    tenants=(),
    impact="",
    root_cause_hypothesis="",
    detection_method=DetectionMethod.MANUAL,
    now=None,
    request=None,
) -> Incident:
    """An incident opened by hand (admin or API), owned by whoever opened it."""
    title, codes, now = (title or "").strip(), list(codes), now or timezone.now()
    _validate_new(title, severity, codes, detection_method)
    with transaction.atomic():
        incident = Incident.objects.create(
            title=title[:300],
            severity=severity,
            codes=codes,
            detection_method=detection_method,
            impact=impact,
            root_cause_hypothesis=root_cause_hypothesis,
            owner=actor if getattr(actor, "is_staff", False) else None,
            started_at=now,
            detected_at=now,
        )
        incident.affected_tenants.add(*tenants)
        add_timeline_entry(
            incident,
            Kind.SYSTEM,
            f"Opened by hand: {title}",
            author=actor,
            at=now,
            data={"codes": codes, "tenants": [tenant.slug for tenant in tenants]},
        )
        audit.record(
            "incident.opened",
            actor=actor,
            target=incident,
            request=request,
            after={"severity": severity, "codes": codes, "tenants": [tenant.slug for tenant in tenants]},
        )
        _notify(incident, now)
    return incident


def _validate_new(title, severity, codes, detection_method):
    if not title:
        raise ServiceError("Give the incident a title.", "empty_title")
    if severity not in Severity.values:
        raise ServiceError(
            f"Unknown severity {severity!r}; use one of {', '.join(Severity.values)}.", "invalid_severity"
        )
    if detection_method not in DetectionMethod.values:
        raise ServiceError(f"Unknown detection method {detection_method!r}.", "invalid_detection_method")
    unknown = [code for code in codes if catalog.get(code) is None]
    if unknown:
        raise ServiceError(f"Unknown event code(s): {', '.join(unknown)}.", "unknown_codes")


def _notify(incident, now):
    from apps.incidents.escalation import notify_new

    notify_new(incident, now=now)
    send_on_commit(incident_opened, incident, now)


def detect_spikes(now=None):
    """One pass. Returns {"spiking_codes": {code: [tenant ids]}, "opened": n, "joined": n, "tenant_abuse":
    {"opened": n, "joined": n}}, and "held": n when a maintenance window held any back. A tenant's own
    abuse (its AI guardrail violations or volume spiking) needs no other tenant: see `tenant_abuse`."""
    now = now or timezone.now()
    spiking, window_start = spikes.spiking_tenants_by_code(now)
    result = {"spiking_codes": {}, "opened": 0, "joined": 0}
    result["tenant_abuse"] = _tenant_abuse(spiking, window_start, now)
    for code, counts in sorted(spiking.items()):
        if len(counts) < settings.SPIKE_MIN_TENANTS:
            continue
        tenant_ids = sorted(counts)
        result["spiking_codes"][code] = tenant_ids
        if _spike_held(code, tenant_ids, now):
            result["held"] = result.get("held", 0) + 1
            continue
        created = _open_spike(code, counts, window_start, now)
        result["opened" if created else "joined"] += 1
    return result


def _tenant_abuse(spiking, window_start, now):
    from apps.incidents.services import tenant_abuse  # it opens incidents through this module

    return tenant_abuse.detect(spiking, window_start, now)


def _open_spike(code, counts, window_start, now):
    """The spike's incident, with the runbook and components of the spiking code."""
    tenant_ids = sorted(counts)
    event_ids = spikes.events_of(code, tenant_ids, window_start, now).values_list("id", flat=True)
    incident, created = open_or_join(
        f"spike:{code}",
        title=f"{code} spiking in {len(tenant_ids)} tenants",
        codes=[code],
        tenant_ids=tenant_ids,
        event_ids=list(event_ids),
        detection_method=DetectionMethod.SPIKE,
        runbook=runbooks.slug_for_code(code),
        components=components.of_code(code),
    )
    if created:
        emit(
            "ERROR_SPIKE",
            message=f"{code} is spiking in {len(tenant_ids)} tenants",
            meta={"code": code, "tenants": tenant_ids, "counts": {str(t): n for t, n in counts.items()}},
            source="events.spikes",
            incident=incident,
        )
    return created


def _spike_held(code, tenant_ids, now):
    """Inside a platform-wide maintenance window the spike opens no incident; the hold is recorded."""
    return maintenance.hold(
        "spike",
        f"spike:{code}",
        f"{code} spiking in {len(tenant_ids)} tenants",
        detail={"code": code, "tenants": tenant_ids},
        at=now,
    )


def evaluate_alert_rules(now=None):
    """Evaluates every enabled rule; returns counts for the job's WorkerRun."""
    now = now or timezone.now()
    result = {"evaluated": 0, "transitions": 0, "no_data": 0}
    for rule in AlertRule.objects.filter(enabled=True):
        evaluation = evaluate_alert_rule(rule, now)
        result["evaluated"] += 1
        result["transitions"] += evaluation.transitioned
        result["no_data"] += not evaluation.observed_state
    return result


def evaluate_alert_rule(rule, now=None):
    """One evaluation; a rule that goes (or stays, after a maintenance window) critical opens its incident."""
    old = rule.state
    evaluation = alerts.evaluate(rule, now)
    if evaluation.transitioned:
        _announce_transition(rule, old, evaluation.state_after, evaluation.value)
    elif evaluation.state_after == AlertState.CRITICAL and _incident_owed(rule):
        _open_for_rule(rule, evaluation.value)
    return evaluation


def _announce_transition(rule, old, new, value):
    incident = _open_for_rule(rule, value) if new == AlertState.CRITICAL else None
    emit(
        "ALERT_RULE_TRANSITION",
        message=f"{rule.name}: {old} → {new} ({value})",
        meta={
            "rule_id": rule.pk,
            "rule": rule.name,
            "metric": rule.metric,
            "from": old,
            "to": new,
            "value": value,
            "priority": rule.priority,
        },
        source="events.alerts",
        incident=incident,
    )


@dataclass(frozen=True)
class Scope:
    dedup_key: str
    title: str
    tenant_ids: list
    severity: str


def scope_of(rule, now) -> Scope:
    tenant_ids, platform = alerts.failing_tenants(rule, now)
    if len(tenant_ids) == 1 and not platform:
        tenant = Tenant.objects.get(pk=tenant_ids[0])
        return Scope(
            alerts.dedup_key(rule, tenant.pk), f"Alert: {rule.name} — {tenant.name}", tenant_ids, Severity.SEV3
        )
    severity = Severity.SEV1 if rule.priority.upper() == "P1" else Severity.SEV2
    return Scope(alerts.dedup_key(rule), f"Alert: {rule.name}", tenant_ids, severity)


def _open_for_rule(rule, value):
    """The rule's incident, or None while a maintenance window holds it back."""
    if _rule_held(rule, value):
        return None
    scope = scope_of(rule, rule.last_evaluated_at)
    incident, _ = open_or_join(
        scope.dedup_key,
        title=scope.title,
        codes=["ALERT_RULE_TRANSITION"],
        tenant_ids=scope.tenant_ids,
        severity=scope.severity,
        detection_method=DetectionMethod.ALERT_RULE,
        now=rule.last_evaluated_at,
        runbook=runbooks.slug_for_metric(rule.metric, rule.params),
        components=components.of_metric(rule.metric, rule.params),
    )
    return incident


def _incident_owed(rule):
    """A rule that turned critical inside a maintenance window and is still critical once the window
    is over gets its incident then: the window delays the alert, it does not cancel it."""
    key = alerts.dedup_key(rule)
    mine = Q(dedup_key=key) | Q(dedup_key__startswith=f"{key}:")
    if rule.changed_at is None or Incident.objects.filter(mine, detected_at__gte=rule.changed_at).exists():
        return False
    return SuppressedAlert.objects.filter(source="alert_rule", dedup_key=key, last_at__gte=rule.changed_at).exists()


def _rule_held(rule, value):
    """Inside a platform-wide maintenance window the rule opens no incident; the hold is recorded."""
    return maintenance.hold(
        "alert_rule",
        alerts.dedup_key(rule),
        f"Alert: {rule.name}",
        detail={"rule_id": rule.pk, "metric": rule.metric, "value": value},
        at=rule.last_evaluated_at,
    )


def open_for_monitor(outcome, title, check, now):
    """A down monitor opens or joins the incident of its component, with the runbook and components
    of what failed: the connection's provider, or the platform component."""
    monitor = outcome.monitor
    incident, created = open_or_join(
        monitor.dedup_key,
        title=title,
        codes=["HEALTH_CHECK_FAILED"],
        tenant_ids=[monitor.tenant_id] if monitor.tenant_id else [],
        severity=health.severity_for(monitor),
        detection_method="health_monitor",
        now=now,
        runbook=runbooks.slug_for_monitor(monitor.kind, monitor.provider),
        components=components.of_monitor(monitor.kind, monitor.provider),
    )
    if not created and monitor.consecutive_failures == settings.HEALTH_FAILURE_THRESHOLD:
        add_timeline_entry(
            incident,
            Kind.SYSTEM,
            f"{monitor.name} failing again ({check.detail})",
            at=now,
            data={"monitor": monitor.key, "flapping": True},
        )
    monitor.incident, outcome.incident = incident, incident
    monitor.save(update_fields=["incident"])


def note_recovery(outcome, now):
    """A recovered monitor's incident hears of it, and is told to resolve once nothing is failing."""
    monitor, incident = outcome.monitor, outcome.incident
    failing = list(incident.health_monitors.exclude(state=HealthMonitor.State.HEALTHY).values_list("name", flat=True))
    text = f"{monitor.name} recovered: {monitor.last_detail}."
    text += (
        f" Still failing: {', '.join(failing)}."
        if failing
        else " Every component of this incident is healthy again: consider resolving it."
    )
    add_timeline_entry(
        incident,
        Kind.RECOVERY,
        text,
        at=now,
        data={
            "monitor": monitor.key,
            "latency_ms": monitor.last_latency_ms,
            "still_failing": failing,
            "suggest_resolve": not failing,
        },
    )
