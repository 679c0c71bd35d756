"""PMS reservation events: one `Reservation` per PMS reservation, moved through its lifecycle.

An event older than the newest one applied is kept in the history but does not change the state,
so a late `reservation.modified` cannot undo a cancellation."""
from django.utils.dateparse import parse_date, parse_datetime

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
    reservation, _ = Reservation.objects.get_or_create(
        connection=event.connection, external_id=str(external_id), defaults={"tenant_id": event.tenant_id},
    )
    at = _occurred_at(event)
    if any(entry.get("webhook_id") == event.external_id for entry in reservation.history):
        return
    reservation.history.append({"type": event.event_type, "at": at.isoformat(), "webhook_id": event.external_id})
    if reservation.last_event_at is None or at >= reservation.last_event_at:
        _apply(reservation, event.event_type, data, at)
    reservation.save()


def _apply(reservation, event_type, data, at):
    guest = data.get("guest") or {}
    reservation.status, reservation.last_event_type, reservation.last_event_at = LIFECYCLE[event_type], event_type, at
    reservation.guest_name = guest.get("name", reservation.guest_name)
    reservation.guest_phone = guest.get("phone", reservation.guest_phone)
    reservation.guest_email = guest.get("email", reservation.guest_email)
    reservation.room = str(data.get("room", reservation.room) or "")
    reservation.check_in = parse_date(str(data.get("check_in") or "")) or reservation.check_in
    reservation.check_out = parse_date(str(data.get("check_out") or "")) or reservation.check_out
