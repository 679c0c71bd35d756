"""A tenant's WhatsApp incident: a WAHA session that failed or has shown its QR code too long
opens it or joins it (one open incident per tenant, `whatsapp:<tenant id>`), with the WhatsApp ban
runbook when the session FAILED and the WAHA-down one otherwise. The ban flow works on it too."""

from apps.incidents.models import DetectionMethod, Severity, TimelineEntry
from apps.incidents.services.detection import open_or_join
from apps.incidents.services.timeline import add_timeline_entry

WHY = {
    "FAILED": "WAHA session FAILED (banned, logged out from the phone, or the engine broke)",
    "SCAN_QR_CODE": "WAHA session waiting for a QR scan too long",
}
RUNBOOK = {"FAILED": "whatsapp-ban", "SCAN_QR_CODE": "waha-down"}


def dedup_key(tenant_id) -> str:
    return f"whatsapp:{tenant_id}"


def open_for_session(connection, status, since, now):
    """Opens or joins the tenant's WhatsApp incident; each status is written on its timeline once
    while it stays open, so a session re-reporting SCAN_QR_CODE every minute adds nothing."""
    why = WHY.get(status, f"WAHA session {status}")
    incident, created = open_or_join(
        dedup_key(connection.tenant_id),
        title=f"WhatsApp: {connection.tenant.name} — {why}",
        codes=["WAHA_SESSION_DOWN", "WHATSAPP_CONNECTION_UPDATE"],
        tenant_ids=[connection.tenant_id],
        severity=Severity.SEV3,
        detection_method=DetectionMethod.HEALTH_MONITOR,
        runbook=RUNBOOK.get(status, "waha-down"),
        components=["waha"],
        now=now,
    )
    if created or not incident.timeline.filter(data__waha_status=status, data__connection_id=str(connection.pk)):
        add_timeline_entry(
            incident,
            TimelineEntry.Kind.SYSTEM,
            f"{connection}: {why} (since {since:%Y-%m-%d %H:%M} UTC)." if since else f"{connection}: {why}.",
            at=now,
            data={"waha_status": status, "connection_id": str(connection.pk)},
        )
    return incident, created
