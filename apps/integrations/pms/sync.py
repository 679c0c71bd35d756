"""Manual PMS sync, the runbook's "data gap check after recovery": fetch the reservations the PMS
changed since a time, compare each with what Opsdesk holds, apply them through
apps.integrations.reservations (idempotently: the sync's event id is the reservation and its
`updated_at`, so a reservation applied twice is applied once), and record on a `PmsSyncRun` what
the webhooks had missed — reservations Opsdesk lacked or held in an older state.

The PMS is called outside any transaction; the run is claimed in one short transaction and its
result recorded in another. A failed run emits PMS_SYNC_FAILED."""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apps.core import context
from apps.core.errors import ServiceError
from apps.events import audit, emit
from apps.integrations import reservations
from apps.integrations.models import Connection, InboundEvent, PmsSyncRun, Provider, Reservation
from apps.integrations.pms import client
from apps.integrations.pms.handlers import LIFECYCLE

logger = logging.getLogger("opsdesk.pms_sync")
STATUS_EVENTS = {status: event_type for event_type, status in LIFECYCLE.items() if event_type != "reservation.updated"}
MISSING, OUTDATED = "missing", "outdated"


@dataclass(frozen=True)
class Gap:
    """A reservation the webhooks had missed: `kind` is missing or outdated."""

    reservation_id: str
    kind: str
    pms_status: str
    pms_updated_at: str
    opsdesk_status: str = ""
    opsdesk_updated_at: str = ""

    def as_dict(self):
        return dict(self.__dict__)


def gap_of(item, held: Reservation | None) -> Gap | None:
    """Pure: what the PMS's reservation says Opsdesk lacks, or None when Opsdesk is up to date."""
    reservation_id, updated_at = str(item["reservation_id"]), parse_datetime(str(item.get("updated_at") or ""))
    if held is None:
        return Gap(reservation_id, MISSING, item.get("status", ""), item.get("updated_at", ""))
    if held.last_event_at is None or (updated_at and updated_at > held.last_event_at):
        last = held.last_event_at.isoformat() if held.last_event_at else ""
        return Gap(reservation_id, OUTDATED, item.get("status", ""), item.get("updated_at", ""), held.status, last)
    return None


def request_sync(connection, *, since=None, actor=None, request=None) -> PmsSyncRun:
    """Queues a sync of a PMS connection (the admin's button); audited."""
    from apps.core.tasks import publish
    from apps.integrations.tasks import pms_sync

    run = _new_run(connection, since, str(actor or ""))
    audit.record("pms.sync_requested", actor=actor, tenant=connection.tenant, target=run, request=request)
    transaction.on_commit(lambda: publish(pms_sync, run.pk))
    return run


def sync_now(connection, *, since=None, requested_by="") -> PmsSyncRun:
    """Runs a sync in this process (the command): creates the run and performs it."""
    return perform(_new_run(connection, since, requested_by).pk)


def _new_run(connection, since, requested_by) -> PmsSyncRun:
    if connection.provider != Provider.PMS:
        raise ServiceError(f"{connection} is not a PMS connection.", code="not_pms")
    since = since or timezone.now() - timedelta(hours=settings.PMS_SYNC_DEFAULT_HOURS)
    return PmsSyncRun.objects.create(
        tenant=connection.tenant, connection=connection, since=since, requested_by=requested_by[:150]
    )


def perform(run_id) -> PmsSyncRun:
    run = _claim(run_id)
    if run is None:
        return PmsSyncRun.objects.get(pk=run_id)
    try:
        items = client.reservations_since(run.connection, run.since)
    except client.PmsError as exc:
        return _fail(run, exc.message)
    return _apply_all(run, items)


def _claim(run_id):
    with transaction.atomic():
        run = PmsSyncRun.objects.select_for_update(skip_locked=True).filter(pk=run_id).first()
        if run is None or run.status != PmsSyncRun.Status.QUEUED:
            return None
        run.status, run.started_at = PmsSyncRun.Status.RUNNING, timezone.now()
        run.save(update_fields=["status", "started_at"])
    return PmsSyncRun.objects.select_related("connection__tenant").get(pk=run_id)


def _apply_all(run, items) -> PmsSyncRun:
    valid = [item for item in items if item.get("reservation_id") and item.get("status") in STATUS_EVENTS]
    held = {
        r.external_id: r
        for r in Reservation.objects.filter(
            connection=run.connection, external_id__in=[str(i["reservation_id"]) for i in valid]
        )
    }
    gaps = []
    for item in valid:
        gap = gap_of(item, held.get(str(item["reservation_id"])))
        if gap:
            gaps.append(gap)
            _apply(run.connection, item, gap)
    run.fetched, run.gaps = len(items), [gap.as_dict() for gap in gaps]
    run.missing = sum(gap.kind == MISSING for gap in gaps)
    run.outdated = sum(gap.kind == OUTDATED for gap in gaps)
    run.applied = len(gaps)
    run.status, run.finished_at = PmsSyncRun.Status.SUCCEEDED, timezone.now()
    run.save()
    return run


def _apply(connection, item, gap):
    at = parse_datetime(str(item.get("updated_at") or "")) or timezone.now()
    with context.bound(reservation_id=gap.reservation_id):
        logger.info("PMS sync fills a %s reservation", gap.kind, extra={"gap": gap.as_dict()})
        reservations.record_event(
            connection,
            gap.reservation_id,
            status=item["status"],
            event_type=STATUS_EVENTS[item["status"]],
            webhook_id=f"sync:{gap.reservation_id}:{item.get('updated_at', '')}",
            at=at,
            data=item,
        )


def _fail(run, message) -> PmsSyncRun:
    run.status, run.finished_at, run.error = PmsSyncRun.Status.FAILED, timezone.now(), message
    run.save(update_fields=["status", "finished_at", "error"])
    emit(
        "PMS_SYNC_FAILED",
        tenant=run.connection.tenant,
        source="integrations.pms_sync",
        message=f"PMS sync of {run.connection} failed: {message}",
        meta={"connection_id": str(run.connection_id), "sync_run_id": run.pk},
    )
    return run


def last_contact(connection):
    """The later of the last successful sync and the last PMS webhook received, or None."""
    synced = connection.pms_sync_runs.filter(status=PmsSyncRun.Status.SUCCEEDED).aggregate(at=Max("finished_at"))
    heard = InboundEvent.objects.filter(connection=connection).aggregate(at=Max("received_at"))
    return max((at for at in (synced["at"], heard["at"]) if at), default=None)


def is_stale(connection, now=None) -> bool:
    last = last_contact(connection)
    now = now or timezone.now()
    return last is None or now - last > timedelta(hours=settings.PMS_STALE_AFTER_HOURS)


def pms_connections():
    return Connection.objects.filter(provider=Provider.PMS, is_active=True).select_related("tenant")
