"""The WhatsApp ban runbook as a guided flow, each step on the incident's timeline and audited:

1. `start` switches WhatsApp off for the tenant with the reason (the tenant switch, `for_ban`);
2. a cooldown of at least BAN_REENABLE_HOURS (BAN_SUGGESTED_COOLDOWN_HOURS suggested) runs;
3. `new_session` after the cooldown creates a session on a device name other than the banned
   one (refused, with why, for the old one) and the tenant scans its QR code;
4. `reenable` switches WhatsApp back on once the session is WORKING;
5. `watch` (a job, every minute) checks the connection for BAN_WATCH_MINUTES; a failure then
   reopens the incident one severity higher.
`abandon` ends it at any step. WAHA is called outside transactions."""

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.core.errors import ServiceError
from apps.events import audit
from apps.incidents.models import BanFlow, Incident, Severity, Status, TimelineEntry
from apps.incidents.services import lifecycle
from apps.incidents.services.detection import open_or_join
from apps.incidents.services.timeline import add_timeline_entry
from apps.incidents.services.whatsapp import dedup_key
from apps.integrations.models import Connection, Provider
from apps.integrations.waha import sessions
from apps.tenants import services as tenants

Step = BanFlow.Step
Kind = TimelineEntry.Kind
HIGHER = {Severity.SEV4: Severity.SEV3, Severity.SEV3: Severity.SEV2, Severity.SEV2: Severity.SEV1}


def start(tenant, *, actor, reason, incident=None, cooldown_hours=None, now=None, request=None) -> BanFlow:
    """Steps 1 and 2: WhatsApp off for the ban, and the cooldown's end."""
    now = now or timezone.now()
    reason = tenants.require_reason(reason, "WhatsApp for a ban")
    hours = settings.BAN_SUGGESTED_COOLDOWN_HOURS if cooldown_hours is None else int(cooldown_hours)
    if hours < settings.BAN_REENABLE_HOURS:
        raise ServiceError(
            f"The cooldown is at least {settings.BAN_REENABLE_HOURS} h ({settings.BAN_SUGGESTED_COOLDOWN_HOURS} h "
            "suggested): reconnecting sooner makes a ban worse.",
            "cooldown_too_short",
        )
    connection = waha_connection(tenant)
    incident = incident or _incident(tenant, now)
    tenants.disable_whatsapp(tenant, actor=actor, reason=reason, for_ban=True, request=request)
    flow = _create(tenant, incident, connection, reason, actor, now, hours)
    _step(
        flow, actor, "whatsapp_ban.started", f"WhatsApp ban flow: WhatsApp switched off for {tenant.name} ({reason})."
    )
    _step(
        flow,
        actor,
        "whatsapp_ban.cooldown",
        f"Cooldown of {hours} h: no new session before {flow.cooldown_until:%Y-%m-%d %H:%M} UTC. "
        f"The banned device is {flow.banned_device_name or 'unnamed'}.",
    )
    return flow


def waha_connection(tenant):
    return (
        Connection.objects.filter(tenant=tenant, provider=Provider.WAHA, is_active=True).order_by("created_at").first()
    )


def _incident(tenant, now):
    incident, _ = open_or_join(
        dedup_key(tenant.pk),
        title=f"WhatsApp: {tenant.name} — number banned",
        codes=["WHATSAPP_CONNECTION_UPDATE"],
        tenant_ids=[tenant.pk],
        severity=Severity.SEV3,
        detection_method="manual",
        runbook="whatsapp-ban",
        components=["waha"],
        now=now,
    )
    return incident


def _create(tenant, incident, connection, reason, actor, now, hours):
    banned = ""
    if connection:
        banned = connection.setting("device_name") or connection.setting("session") or "default"
    try:
        with transaction.atomic():
            return BanFlow.objects.create(
                incident=incident,
                tenant=tenant,
                connection=connection,
                reason=reason,
                banned_device_name=banned,
                disabled_at=now,
                cooldown_until=now + timedelta(hours=hours),
                started_by=actor if getattr(actor, "pk", None) else None,
            )
    except IntegrityError as exc:
        raise ServiceError(f"{tenant.name} already has a ban flow under way; finish or abandon it.", "open") from exc


def open_flow(tenant):
    return BanFlow.objects.filter(tenant=tenant, step__in=BanFlow.OPEN_STEPS).first()


def new_session(flow, *, device_name, actor, now=None, request=None) -> dict:
    """Step 3: after the cooldown, a new WAHA session on a different device name."""
    now = now or timezone.now()
    _expect(flow, Step.COOLDOWN, Step.NEW_SESSION)
    if now < flow.cooldown_until:
        raise ServiceError(
            f"The cooldown runs until {flow.cooldown_until:%Y-%m-%d %H:%M} UTC; a new session before then "
            "makes the ban worse.",
            "cooldown",
        )
    device_name = (device_name or "").strip()
    if _same_device(device_name, flow):
        raise ServiceError(
            f"{device_name!r} is the device that was banned. WhatsApp recognises it: use a different device name.",
            "banned_device",
        )
    if flow.connection is None:
        raise ServiceError(f"{flow.tenant.name} has no active WAHA connection to create the session on.", "no_waha")
    sessions.replace_session(flow.connection, device_name=device_name, actor=actor, reason=flow.reason)
    BanFlow.objects.filter(pk=flow.pk).update(
        step=Step.NEW_SESSION, new_device_name=device_name, session_created_at=now
    )
    flow.step, flow.new_device_name, flow.session_created_at = Step.NEW_SESSION, device_name, now
    _step(flow, actor, "whatsapp_ban.new_session", f"New session on device {device_name!r}: scan its QR code.")
    return sessions.live_status(flow.connection)


def _same_device(device_name, flow) -> bool:
    banned = {flow.banned_device_name}
    banned |= set(BanFlow.objects.filter(tenant=flow.tenant).values_list("banned_device_name", flat=True))
    return device_name.casefold() in {name.strip().casefold() for name in banned if name}


def reenable(flow, *, actor, now=None, request=None) -> BanFlow:
    """Step 4: WhatsApp back on once the new session is WORKING; the hour's watch begins."""
    now = now or timezone.now()
    _expect(flow, Step.NEW_SESSION)
    live = sessions.live_status(flow.connection)
    if live["status"] != "WORKING":
        shown = live["status"] or live["error"] or "unknown"
        raise ServiceError(f"The new session is {shown}, not WORKING: scan its QR code first.", "not_working")
    tenants.enable_whatsapp(
        flow.tenant, actor=actor, reason=f"Ban flow: new device {flow.new_device_name}", request=request
    )
    watch_until = now + timedelta(minutes=settings.BAN_WATCH_MINUTES)
    BanFlow.objects.filter(pk=flow.pk).update(step=Step.WATCHING, reenabled_at=now, watch_until=watch_until)
    flow.step, flow.reenabled_at, flow.watch_until = Step.WATCHING, now, watch_until
    number = (live["me"] or {}).get("id", "")
    _step(
        flow,
        actor,
        "whatsapp_ban.reenabled",
        f"WhatsApp switched back on ({number or 'number unknown'}); watching the connection every minute "
        f"until {watch_until:%H:%M} UTC.",
    )
    return flow


def watch(now=None) -> dict:
    """Step 5, every minute: each watched connection is checked; a failure reopens the incident one
    severity higher; a watch that ran its hour clean ends the flow."""
    now = now or timezone.now()
    result = {"checked": 0, "failed": 0, "passed": 0}
    for flow in BanFlow.objects.filter(step=Step.WATCHING).select_related("connection", "incident", "tenant"):
        if now >= flow.watch_until:
            _finish(
                flow,
                Step.DONE,
                f"The {settings.BAN_WATCH_MINUTES}-minute watch passed: {flow.watch_checks} checks, no failure.",
                now,
            )
            result["passed"] += 1
            continue
        result["checked"] += 1
        if not _check(flow, now):
            result["failed"] += 1
    return result


def _check(flow, now) -> bool:
    live = sessions.live_status(flow.connection) if flow.connection else {"status": "", "error": "no connection"}
    BanFlow.objects.filter(pk=flow.pk).update(watch_checks=flow.watch_checks + 1)
    flow.watch_checks += 1
    if live["status"] == "WORKING":
        return True
    what = live["status"] or live["error"]
    _finish(flow, Step.WATCH_FAILED, f"Watch check {flow.watch_checks} failed: the session is {what}.", now)
    _escalate(flow.incident, f"WhatsApp failed again within the ban watch ({what})", now)
    return False


def _escalate(incident, why, now):
    incident = Incident.objects.get(pk=incident.pk)
    if incident.status == Status.RESOLVED:
        lifecycle.change_status(incident, Status.TRIAGED, actor=None, note=why, now=now)
        incident.refresh_from_db()
    higher = HIGHER.get(incident.severity)
    if higher:
        lifecycle.change_severity(incident, higher, actor=None, reason=why, now=now)


def abandon(flow, *, actor, reason, now=None, request=None) -> BanFlow:
    reason = tenants.require_reason(reason, "the ban flow")
    if not flow.is_open:
        raise ServiceError(f"The ban flow already ended ({flow.get_step_display()}).", "ended")
    _finish(flow, Step.ABANDONED, f"Ban flow abandoned: {reason}", now or timezone.now(), actor=actor)
    return flow


def _finish(flow, step, text, now, actor=None):
    BanFlow.objects.filter(pk=flow.pk).update(step=step, finished_at=now)
    flow.step, flow.finished_at = step, now
    _step(flow, actor, f"whatsapp_ban.{step}", text, at=now)


def _expect(flow, *steps):
    if flow.step not in steps:
        wanted = " or ".join(str(Step(step).label) for step in steps)
        raise ServiceError(f"The ban flow is at “{flow.get_step_display()}”, not “{wanted}”.", "wrong_step")


def _step(flow, actor, action, text, at=None):
    """One line on the incident's timeline and one audit record per step."""
    with transaction.atomic():
        add_timeline_entry(
            flow.incident, Kind.SWITCH, text, author=actor, at=at, data={"ban_flow": flow.pk, "step": flow.step}
        )
        audit.record(
            action,
            actor=actor,
            actor_label="" if actor else "ban watch",
            tenant=flow.tenant,
            target=flow,
            after={"step": flow.step, "text": text},
        )
