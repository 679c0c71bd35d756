"""Incidents listen to the layers below them, which never import incidents: a tenant's new
failure joins its open incident of the same component as the event is stored; a down health
monitor opens or joins its incident, and a recovery is written on its timeline."""

from django.dispatch import receiver

from apps.events.ingest import recorded
from apps.health.signals import heartbeat_trouble, inbound_resumed, inbound_silent, monitor_down, monitor_recovered
from apps.integrations.signals import whatsapp_session_trouble


@receiver(recorded, dispatch_uid="incidents.link_new_events")
def link_new_events(sender, events, **kwargs):
    from apps.incidents.services import link_new_events as link

    return link(events)


@receiver(monitor_down, dispatch_uid="incidents.open_for_monitor")
def open_for_monitor(sender, outcome, title, check, now, **kwargs):
    from apps.incidents.services.detection import open_for_monitor as open_for

    open_for(outcome, title, check, now)


@receiver(monitor_recovered, dispatch_uid="incidents.note_recovery")
def note_recovery(sender, outcome, now, **kwargs):
    from apps.incidents.services.detection import note_recovery as note

    note(outcome, now)


@receiver(whatsapp_session_trouble, dispatch_uid="incidents.open_for_whatsapp_session")
def open_for_whatsapp_session(sender, connection, status, since, now, **kwargs):
    from apps.incidents.services.whatsapp import open_for_session

    open_for_session(connection, status, since, now)


@receiver(inbound_silent, dispatch_uid="incidents.open_for_silence")
def open_for_silence(sender, silence, now, **kwargs):
    from apps.incidents.services.silence import open_for_silence as open_for

    open_for(silence, now)


@receiver(inbound_resumed, dispatch_uid="incidents.note_silence_resumed")
def note_silence_resumed(sender, silence, received_at, now, **kwargs):
    from apps.incidents.services.silence import note_resumed

    note_resumed(silence, received_at, now)


@receiver(heartbeat_trouble, dispatch_uid="incidents.open_for_heartbeat")
def open_for_heartbeat(sender, check, code, now, **kwargs):
    from apps.incidents.services.heartbeats import open_for_heartbeat as open_for

    open_for(check, code, now)
