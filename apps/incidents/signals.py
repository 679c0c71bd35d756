"""What the incident lifecycle tells the layers above it (stakeholder communication), sent after the
change commits so a receiver never sees a row that may still roll back.

Every signal passes `incident` (fresh from the database) and `now`."""

from django.db import transaction
from django.dispatch import Signal

# a new incident was opened (by detection, from events, or by hand)
incident_opened = Signal()
# the status page's public update changed: also `previous` (the old text)
public_update_changed = Signal()
# the incident became resolved (`note`: what the operator wrote, maybe "")
incident_resolved = Signal()


def send_on_commit(signal, incident, now, **extra):
    """Sends `signal` once the surrounding transaction commits (at once outside one)."""
    transaction.on_commit(lambda: signal.send(sender=type(incident), incident=_fresh(incident), now=now, **extra))


def _fresh(incident):
    return type(incident).objects.get(pk=incident.pk)
