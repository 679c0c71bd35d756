"""Comms listens to the incident lifecycle (apps.incidents.signals, sent after commit) and to
tenants joining an incident (the many-to-many `affected_tenants`, told after the join commits).

The incident's change has committed by the time these run, so a failure here must not turn the
operator's successful change into an error page: it is logged with the incident, and nothing is
half-written (each announcement is one transaction)."""

import functools
import logging

from django.db import transaction
from django.db.models.signals import m2m_changed
from django.dispatch import receiver

from apps.incidents.models import Incident
from apps.incidents.signals import incident_opened, incident_resolved, public_update_changed

logger = logging.getLogger("opsdesk.comms")


def logged(receiver_func):
    @functools.wraps(receiver_func)
    def wrapper(sender, **kwargs):
        try:
            return receiver_func(sender, **kwargs)
        except Exception:
            incident = kwargs.get("incident") or kwargs.get("instance")
            logger.exception("Stakeholder communication failed", extra={"incident_id": getattr(incident, "pk", None)})
            return None

    return wrapper


@receiver(incident_opened, dispatch_uid="comms.incident_opened")
@logged
def on_incident_opened(sender, incident, now, **kwargs):
    from apps.comms.services import announcements

    announcements.incident_opened(incident, now)


@receiver(public_update_changed, dispatch_uid="comms.public_update_changed")
@logged
def on_public_update_changed(sender, incident, now, **kwargs):
    from apps.comms.services import announcements

    announcements.public_update_changed(incident, now)


@receiver(incident_resolved, dispatch_uid="comms.incident_resolved")
@logged
def on_incident_resolved(sender, incident, now, note="", **kwargs):
    from apps.comms.services import announcements

    announcements.incident_resolved(incident, now, note)


@receiver(m2m_changed, sender=Incident.affected_tenants.through, dispatch_uid="comms.tenants_joined")
def on_tenants_joined(sender, instance, action, reverse, pk_set, **kwargs):
    if action != "post_add" or not pk_set:
        return
    pairs = [(pk, [instance.pk]) for pk in pk_set] if reverse else [(instance.pk, sorted(pk_set))]
    transaction.on_commit(lambda: _joined(pairs))


def _joined(pairs):
    from apps.comms.services import announcements

    for incident_id, tenant_ids in pairs:
        try:
            announcements.tenants_joined(incident_id, tenant_ids)
        except Exception:
            logger.exception("Stakeholder communication failed", extra={"incident_id": incident_id})
