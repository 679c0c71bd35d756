"""Tenant abuse: a tenant whose AI guardrail violations (or throttled contacts) spike, or whose AI
volume jumps far above its usual rate, gets an incident of its own with the "tenant-abuse"
runbook, the evidence on its timeline, and three actions: switch AI off, suspend, warn the owner.

The tenant is the incident's subject, not an affected tenant: it is the suspect, not the victim of
an outage, so the stakeholder communications (portal notice, owners' e-mail) never reach it. Telling
it is the operator's audited "warn".

Detection rides on the spike detector (`detection.detect_spikes` hands over the codes it found
spiking per tenant; one tenant is enough here) and on the same rate rule for AI requests. AI off
and suspend are the existing mitigations; `warn_owner` e-mails the tenant's owners through the
incident notification outbox. Every action's timeline entry carries the evidence."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.ai import abuse
from apps.core.errors import ServiceError
from apps.events import audit, spikes
from apps.events.models import SystemEvent
from apps.incidents.models import DetectionMethod, Level, Notification, Severity, TimelineEntry
from apps.incidents.services.detection import open_or_join
from apps.incidents.services.timeline import add_timeline_entry
from apps.tenants.models import Membership, Tenant

RUNBOOK = "tenant-abuse"
COMPONENT = "ai_abuse"
ABUSE_CODES = ("AI_GUARDRAIL_VIOLATION", "AI_ABUSE_THROTTLED")
VOLUME = "ai_volume"
EVIDENCE_SAMPLE = 10
Kind = TimelineEntry.Kind


def dedup_key(tenant_id) -> str:
    return f"{RUNBOOK}:{tenant_id}"


def detect(spiking, window_start, now) -> dict:
    """One pass over what the spike detector found, plus the AI volume; returns opened/joined counts."""
    result = {"opened": 0, "joined": 0}
    for code in ABUSE_CODES:
        for tenant_id, count in sorted(spiking.get(code, {}).items()):
            created = report(tenant_id, code, count, window_start, now)
            result["opened" if created else "joined"] += 1
    for tenant_id, (count, baseline) in sorted(volume_spikes(window_start, now).items()):
        created = report(tenant_id, VOLUME, count, window_start, now, baseline=baseline)
        result["opened" if created else "joined"] += 1
    return result


def volume_spikes(window_start, now) -> dict[int, tuple[int, float]]:
    """Tenants whose AI requests in the window reach AI_ABUSE_TENANT_MIN_REQUESTS and spike against
    their baseline (the spike detector's rule): {tenant id: (requests, baseline per window)}."""
    current = abuse.requests_by_tenant(window_start, now)
    busy = {tenant: n for tenant, n in current.items() if n >= settings.AI_ABUSE_TENANT_MIN_REQUESTS}
    if not busy:
        return {}
    period = timedelta(days=settings.SPIKE_BASELINE_DAYS)
    windows = period / (now - window_start)
    history = abuse.requests_by_tenant(window_start - period, window_start)
    found = {}
    for tenant_id, count in busy.items():
        baseline = history.get(tenant_id, 0) / windows
        if spikes.is_spiking(count, baseline):
            found[tenant_id] = (count, round(baseline, 2))
    return found


def report(tenant_id, trigger, count, window_start, now, *, baseline=None) -> bool:
    """Opens or joins the tenant's abuse incident and writes the evidence of `trigger` on its
    timeline (once per trigger while the incident is open). Returns True when it opened it."""
    tenant = Tenant.objects.get(pk=tenant_id)
    events = _events(tenant_id, trigger, window_start, now)
    incident, created = open_or_join(
        dedup_key(tenant_id),
        title=f"Tenant abuse: {tenant.name} — {_what(trigger, count)}",
        codes=[trigger] if trigger in ABUSE_CODES else [],
        subject_tenant_id=tenant_id,
        event_ids=[event.pk for event in events],
        severity=Severity.SEV3,
        detection_method=DetectionMethod.SPIKE,
        runbook=RUNBOOK,
        components=[COMPONENT],
        now=now,
    )
    if created or not _has_evidence(incident, trigger):
        evidence = gather(tenant_id, window_start, now, trigger=trigger, count=count, baseline=baseline)
        add_timeline_entry(incident, Kind.SYSTEM, f"Evidence: {_what(trigger, count)}", at=now, data=evidence)
    return created


def _what(trigger, count) -> str:
    minutes = settings.SPIKE_WINDOW_MINUTES
    return {
        "AI_GUARDRAIL_VIOLATION": f"{count} AI guardrail violations in {minutes} min",
        "AI_ABUSE_THROTTLED": f"{count} contacts throttled for abuse in {minutes} min",
        VOLUME: f"{count} AI requests in {minutes} min, far above usual",
    }[trigger]


def _events(tenant_id, trigger, start, end):
    codes = [trigger] if trigger in ABUSE_CODES else list(ABUSE_CODES)
    return list(
        SystemEvent.objects.filter(tenant_id=tenant_id, code__in=codes, occurred_at__gte=start, occurred_at__lt=end)
        .order_by("-occurred_at")
        .only("id", "code", "message", "meta", "occurred_at")[:500]
    )


def _has_evidence(incident, trigger) -> bool:
    return incident.timeline.filter(kind=Kind.SYSTEM, data__trigger=trigger).exists()


def gather(tenant_id, start, end, *, trigger="", count=None, baseline=None) -> dict:
    """What an operator needs to judge the tenant: violations by rule, samples, throttled contacts, volume."""
    violations = _events(tenant_id, "AI_GUARDRAIL_VIOLATION", start, end)
    by_rule = {}
    for event in violations:
        rule = (event.meta or {}).get("rule", "unknown")
        by_rule[rule] = by_rule.get(rule, 0) + 1
    return {
        "trigger": trigger,
        "count": count,
        "baseline_per_window": baseline,
        "window": {"start": start.isoformat(), "end": end.isoformat()},
        "violations": len(violations),
        "violations_by_rule": dict(sorted(by_rule.items(), key=lambda item: -item[1])),
        "violation_samples": [
            {"event_id": e.pk, "at": e.occurred_at.isoformat(), "message": e.message}
            for e in violations[:EVIDENCE_SAMPLE]
        ],
        "ai_requests": abuse.requests_by_tenant(start, end).get(tenant_id, 0),
        "throttled_contacts": abuse.throttled_contacts(tenant_id, start),
    }


def evidence_for(incident, tenant) -> dict | None:
    """The evidence of a tenant-abuse incident since the window that opened it (at least the last
    day), for an action's timeline entry; None for any other incident."""
    if incident.dedup_key != dedup_key(tenant.pk):
        return None
    now = timezone.now()
    opened_by = incident.started_at - timedelta(minutes=settings.SPIKE_WINDOW_MINUTES)
    return gather(tenant.pk, min(opened_by, now - timedelta(days=1)), now)


def warn_owner(incident, tenant, *, actor, reason, request=None, evidence=None) -> list[Notification]:
    """E-mails the tenant's owners that their account is under review for AI abuse, through the
    incident notification outbox (each send lands on the timeline); audited with the evidence."""
    owners = _owner_emails(tenant)
    if not owners:
        raise ServiceError(f"{tenant.name} has no owner with an e-mail address to warn.", "no_owner_email")
    subject, body = _warning(tenant, reason, evidence or {})
    now = timezone.now()
    with transaction.atomic():
        rows = Notification.objects.bulk_create(
            [
                Notification(
                    incident=incident, level=Level.ON_CALL, channel=Notification.Channel.EMAIL,
                    reason=Notification.Reason.TENANT_WARNING, recipient=email, subject=subject, body=body,
                    created_at=now,
                )
                for email in owners
            ]
        )  # fmt: skip
        audit.record(
            "tenant.warned", actor=actor, tenant=tenant, target=incident, reason=reason, request=request,
            after={"recipients": owners, "evidence": evidence or {}},
        )  # fmt: skip
        for row in rows:
            transaction.on_commit(lambda pk=row.pk: _enqueue(pk))
    return rows


def _enqueue(pk):
    from apps.incidents.notifications import enqueue

    enqueue(pk)


def _owner_emails(tenant) -> list[str]:
    owners = Membership.objects.for_tenant(tenant).filter(role=Membership.Role.OWNER).select_related("user")
    return sorted({member.user.email for member in owners if member.user.email})


def _warning(tenant, reason, evidence) -> tuple[str, str]:
    subject = f"[Opsdesk] {tenant.name}: unusual use of the AI assistant"
    lines = [
        f"Hello,\n\nWe noticed unusual use of the AI assistant on your account {tenant.name}.",
        f"\n{reason}\n",
    ]
    if evidence.get("violations"):
        rules = ", ".join(f"{rule} ({n})" for rule, n in evidence.get("violations_by_rule", {}).items())
        lines.append(f"Messages refused by the safety rules in the last day: {evidence['violations']} ({rules}).")
    if evidence.get("throttled_contacts"):
        lines.append(f"Contacts whose AI replies were paused: {len(evidence['throttled_contacts'])}.")
    lines.append(
        "\nPlease review your bots and conversations. If this continues we may switch the AI assistant off "
        "or suspend the account. Reply to this e-mail if you have questions.\n\nThe Opsdesk team"
    )
    return subject[:300], "\n".join(lines)
