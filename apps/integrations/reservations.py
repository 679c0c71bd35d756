"""Hotel reservations as the tenant's PMS reports them: the only code that writes `Reservation`.

An event older than the newest one applied is kept in the history but does not change the state,
so a late `reservation.modified` cannot undo a cancellation; an event already in the history (a
replay) changes nothing."""

import logging

from django.db import transaction
from django.utils.dateparse import parse_date

from apps.core import context
from apps.integrations.models import Reservation

logger = logging.getLogger("opsdesk.reservations")


def record_event(connection, external_id, *, status, event_type, webhook_id, at, data) -> Reservation:
    """Applies one PMS event; its log lines carry `reservation_id` (and the tenant)."""
    with context.bound(reservation_id=str(external_id), tenant_id=connection.tenant_id):
        reservation, outcome = _record(connection, external_id, status, event_type, webhook_id, at, data)
        logger.info("reservation event %s %s", event_type, outcome, extra={"webhook_id": webhook_id})
    return reservation


def _record(connection, external_id, status, event_type, webhook_id, at, data):
    with transaction.atomic():
        reservation, _ = Reservation.objects.select_for_update().get_or_create(
            connection=connection, external_id=str(external_id), defaults={"tenant_id": connection.tenant_id}
        )
        if any(entry.get("webhook_id") == webhook_id for entry in reservation.history):
            return reservation, "already applied"
        reservation.history.append({"type": event_type, "at": at.isoformat(), "webhook_id": webhook_id})
        outcome = "kept in history (older than the state)"
        if reservation.last_event_at is None or at >= reservation.last_event_at:
            reservation.status, reservation.last_event_type, reservation.last_event_at = status, event_type, at
            _apply_details(reservation, data)
            outcome = "applied"
        reservation.save()
    return reservation, outcome


def _apply_details(reservation, data):
    guest = data.get("guest") or {}
    reservation.guest_name = guest.get("name", reservation.guest_name)
    reservation.guest_phone = guest.get("phone", reservation.guest_phone)
    reservation.guest_email = guest.get("email", reservation.guest_email)
    reservation.room = str(data.get("room", reservation.room) or "")
    reservation.check_in = parse_date(str(data.get("check_in") or "")) or reservation.check_in
    reservation.check_out = parse_date(str(data.get("check_out") or "")) or reservation.check_out
