"""The write path of the Error Center: `emit()` for code inside Opsdesk, `store_batch()` for the API.

Reading (admin, dashboards, spike detection, alert rules) lives elsewhere and never writes."""

import json
import logging

from django.db import connection as db_connection
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from apps.core import db_context
from apps.core.context import current_correlation_id
from apps.events import codes, copy_store
from apps.events.fingerprints import fingerprint, normalise_message  # noqa: F401  (callers import them from here)
from apps.events.models import SystemEvent
from apps.events.redaction import redact

logger = logging.getLogger("opsdesk.events")

# Sent with `events` (stored SystemEvents) once they are stored: layers above react without being
# imported here (incidents link a tenant's new failures to its open incident).
recorded = Signal()
LINK_FIELDS = ("incident", "ticket", "automation_run", "inbound_event")


def build_event(
    code,
    *,
    tenant=None,
    tenant_id=None,
    message="",
    meta=None,
    source="",
    occurred_at=None,
    correlation_id=None,
    **links,
) -> SystemEvent:
    """An unsaved SystemEvent with level, category, fingerprint and correlation id filled in."""
    entry = codes.get(code)
    tenant_id = tenant.pk if tenant is not None else tenant_id
    meta = redact(dict(meta or {}))
    correlation_id = correlation_id or meta.get("correlation_id") or current_correlation_id() or ""
    if correlation_id:
        meta["correlation_id"] = correlation_id
    meta.update(
        {
            f"{name}_id": _pk(value)
            for name, value in links.items()
            if name in LINK_FIELDS and value is not None and name != "incident"
        }
    )
    return SystemEvent(
        tenant_id=tenant_id,
        code=code,
        level=entry.level if entry else codes.ERROR,
        category=entry.category if entry else "infra",
        message=message or "",
        meta=meta,
        source=source,
        correlation_id=correlation_id,
        fingerprint=fingerprint(code, tenant_id, message),
        occurred_at=occurred_at or timezone.now(),
        **_link_ids(links),
    )


def _link_ids(links):
    """FK ids for the links the model has; a link whose model has not landed yet goes to meta
    instead of failing the event."""
    model_fields = {field.name for field in SystemEvent._meta.get_fields()}
    return {
        f"{name}_id": _pk(value)
        for name, value in links.items()
        if name in LINK_FIELDS and name in model_fields and value is not None
    }


def _pk(value):
    return getattr(value, "pk", value)


@db_context.as_platform
def emit(code, *, tenant=None, message="", meta=None, source="", occurred_at=None, **links):
    """Record an event. Never raises: a failure to store is logged as JSON and the caller goes on.

    The insert runs in a savepoint, so a failed insert does not poison the caller's transaction.
    Returns the stored event, or None when it could not be stored."""
    try:
        if codes.get(code) is None:
            logger.error("Unknown event code emitted", extra={"code": code})
        event = build_event(
            code, tenant=tenant, message=message, meta=meta, source=source, occurred_at=occurred_at, **links
        )
        with transaction.atomic():
            event.save()
    except Exception as exc:
        logger.error(
            "Event could not be stored",
            extra={
                "event_code": code,
                "tenant_id": getattr(tenant, "pk", None),
                "event_message": message,
                "event_meta": _loggable(meta),
                "store_error": repr(exc),
            },
        )
        return None
    _announce([event])
    return event


def _announce(events):
    """Receivers run in savepoints of their own; one that fails is logged, the events stay stored."""
    for receiver, result in recorded.send_robust(sender=SystemEvent, events=events):
        if isinstance(result, Exception):
            logger.error(
                "A receiver of stored events failed",
                extra={"receiver": getattr(receiver, "__qualname__", str(receiver)), "receiver_error": repr(result)},
            )


def _loggable(meta):
    try:
        return json.loads(json.dumps(redact(dict(meta or {})), default=str))
    except Exception:
        return {"unserialisable": True}


def store_batch(events: list[dict]) -> list[SystemEvent]:
    """Store validated API events all together or not at all, then announce them. On PostgreSQL
    the rows go in with one `COPY` (apps.events.copy_store); elsewhere with one bulk INSERT."""
    if db_connection.vendor == "postgresql" and events:
        stored = copy_store.store(events)
    else:
        stored = _bulk_insert([build_event(**event) for event in events])
    _announce(stored)
    return stored


def _bulk_insert(rows):
    with transaction.atomic():
        return SystemEvent.objects.bulk_create(rows, batch_size=1000)
