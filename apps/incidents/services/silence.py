"""A connection gone quiet opens or joins an incident with the "WhatsApp inbound" runbook: a
WhatsApp connection joins its tenant's WhatsApp incident (`whatsapp:<tenant id>`), any other its
own (`inbound-silence:<connection id>`). Traffic resuming is written on the same timeline."""

from apps.health.silence import code_for
from apps.incidents.models import DetectionMethod, Incident, Severity, TimelineEntry
from apps.incidents.services import whatsapp
from apps.incidents.services.detection import open_or_join
from apps.incidents.services.timeline import add_timeline_entry
from apps.integrations.models import Provider


def dedup_key(connection) -> str:
    if connection.provider in (Provider.META, Provider.WAHA):
        return whatsapp.dedup_key(connection.tenant_id)
    return f"inbound-silence:{connection.pk}"


def open_for_silence(silence, now):
    connection = silence.connection
    incident, created = open_or_join(
        dedup_key(connection),
        title=f"Inbound silence: {connection.tenant.name} — {connection} has received nothing",
        codes=[code_for(connection)],
        tenant_ids=[connection.tenant_id],
        severity=Severity.SEV3,
        detection_method=DetectionMethod.HEALTH_MONITOR,
        runbook="whatsapp-inbound",
        components=[connection.provider],
        now=now,
    )
    add_timeline_entry(
        incident,
        TimelineEntry.Kind.SYSTEM,
        f"{connection}: no inbound since {silence.last_received_at:%Y-%m-%d %H:%M} UTC, when those hours "
        f"usually bring {silence.expected_events:.0f} events.",
        at=now,
        data={"silence_id": silence.pk, "connection_id": str(connection.pk)},
    )
    return incident, created


def note_resumed(silence, received_at, now):
    """Writes the resumption on the open incident that recorded the silence, if any."""
    incident = Incident.objects.open().filter(timeline__data__silence_id=silence.pk).first()
    if incident:
        add_timeline_entry(
            incident,
            TimelineEntry.Kind.SYSTEM,
            f"{silence.connection}: inbound traffic resumed at {received_at:%Y-%m-%d %H:%M} UTC.",
            at=now,
            data={"silence_id": silence.pk, "connection_id": str(silence.connection_id), "resumed": True},
        )
    return incident
