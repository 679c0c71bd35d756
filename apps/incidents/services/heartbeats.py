"""A missed or failed heartbeat opens or joins its tenant's heartbeat incident
(`heartbeat:<tenant id>`, the n8n-down runbook) and is written on its timeline."""

from apps.incidents.models import DetectionMethod, Severity, TimelineEntry
from apps.incidents.services.detection import open_or_join
from apps.incidents.services.timeline import add_timeline_entry

WHAT = {"HEARTBEAT_MISSED": "missed its ping", "HEARTBEAT_FAILED": "reported a failure"}


def open_for_heartbeat(check, code, now):
    incident, created = open_or_join(
        f"heartbeat:{check.tenant_id}",
        title=f"Heartbeats: {check.tenant.name} — {check.name} {WHAT[code]}",
        codes=[code],
        tenant_ids=[check.tenant_id],
        severity=Severity.SEV3,
        detection_method=DetectionMethod.HEALTH_MONITOR,
        runbook="n8n-down",
        components=["n8n"],
        now=now,
    )
    add_timeline_entry(
        incident,
        TimelineEntry.Kind.SYSTEM,
        f"Heartbeat {check.name!r} {WHAT[code]}.",
        at=now,
        data={"heartbeat_id": check.pk, "code": code},
    )
    return incident, created
