"""PMS reservation events: each one moves its `Reservation` through its lifecycle
(apps.integrations.reservations writes it)."""

from django.utils.dateparse import parse_datetime

from apps.integrations import reservations
from apps.integrations.delivery import bad_payload
from apps.integrations.handlers import handles
from apps.integrations.models import Reservation

LIFECYCLE = {
    "reservation.created": Reservation.Status.CREATED,
    "reservation.modified": Reservation.Status.MODIFIED,
    "reservation.updated": Reservation.Status.MODIFIED,
    "reservation.cancelled": Reservation.Status.CANCELLED,
    "reservation.checked_in": Reservation.Status.CHECKED_IN,
    "reservation.checked_out": Reservation.Status.CHECKED_OUT,
    "reservation.no_show": Reservation.Status.NO_SHOW,
}


def _occurred_at(event):
    return parse_datetime(str(event.payload.get("timestamp") or "")) or event.received_at


@handles("pms", *LIFECYCLE)
def reservation_event(event):
    data = event.payload["data"]
    external_id = data.get("reservation_id") or data.get("id")
    if not external_id:
        raise bad_payload("A reservation event needs data.reservation_id.")
    reservations.record_event(
        event.connection,
        external_id,
        status=LIFECYCLE[event.event_type],
        event_type=event.event_type,
        webhook_id=event.external_id,
        at=_occurred_at(event),
        data=data,
    )
