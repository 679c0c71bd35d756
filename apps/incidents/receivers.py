"""Incidents listen to the layers below them, which never import incidents: a tenant's new
failure joins its open incident of the same component as the event is stored."""
from django.dispatch import receiver

from apps.events.ingest import recorded


@receiver(recorded, dispatch_uid="incidents.link_new_events")
def link_new_events(sender, events, **kwargs):
    from apps.incidents.services import link_new_events as link

    return link(events)
