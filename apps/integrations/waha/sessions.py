"""Operations on WAHA sessions: what a `session.status` webhook changes on the connection, the
new-contacts pause WhatsApp imposes, and the buttons people press (restart, stop, log out,
pairing code, a new session on a named device). The only code that writes these fields; the
actions people take are audited. WAHA is called outside any transaction."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.core.errors import ServiceError
from apps.events import audit
from apps.integrations import services
from apps.integrations.models import Connection, Provider
from apps.integrations.waha import client

CONNECTED = {"WORKING"}
TROUBLE = {"FAILED"}
PAUSE_REASON = client.REACHOUT_TITLE


@dataclass(frozen=True)
class StatusChange:
    """What one `session.status` delivery did: the status it reported, whether it was newer than
    what we knew (an older delivery arriving late changes nothing), the history it carried, and
    whether the new-contacts pause was set or lifted."""

    reported: str
    applied: bool
    history: tuple = ()
    paused: bool = False
    lifted: bool = False


def record_session_status(connection, payload, *, now=None) -> StatusChange:
    """Applies a `session.status` payload ({"status", "statuses": [{"status", "timestamp"}], …})."""
    now = now or timezone.now()
    history = _history(payload, now)
    reported, at = history[-1]
    if connection.provider_status_at and at < connection.provider_status_at:
        return StatusChange(reported, applied=False, history=_plain(history))
    _record_provider_status(connection, reported, at)
    state = Connection.State.CONNECTED if reported in CONNECTED else Connection.State.DISCONNECTED
    services.record_state(connection, state, reported=reported, source="waha session.status", now=now)
    paused = lifted = False
    if reported in CONNECTED:
        limited = reachout_limited(payload)
        paused = limited and pause_new_contacts(connection, limited, now=now)
        lifted = not limited and lift_new_contacts_pause(connection, now=now)
    return StatusChange(reported, applied=True, history=_plain(history), paused=paused, lifted=lifted)


def _history(payload, now):
    """[(status, at)] oldest first; the payload's own status is the last word."""
    entries = [
        (str(item.get("status", "")).upper(), _when(item.get("timestamp"), now))
        for item in payload.get("statuses") or []
        if isinstance(item, dict) and item.get("status")
    ]
    entries.sort(key=lambda entry: entry[1])
    current = str(payload.get("status", "")).upper()
    if current and (not entries or entries[-1][0] != current):
        entries.append((current, max([now] + [at for _, at in entries])))
    return entries or [("", now)]


def _when(timestamp, now):
    try:
        return datetime.fromtimestamp(int(timestamp) / 1000, tz=UTC)
    except (TypeError, ValueError, OverflowError):
        return now


def _plain(history):
    return tuple({"status": status, "at": at.isoformat()} for status, at in history)


def _record_provider_status(connection, reported, at):
    """`provider_status_at` is when the current status began, so a long SCAN_QR_CODE shows."""
    if connection.provider_status == reported:
        return
    Connection.objects.filter(pk=connection.pk).update(provider_status=reported, provider_status_at=at)
    connection.provider_status, connection.provider_status_at = reported, at


def reachout_limited(payload) -> str:
    """WhatsApp's reason to limit messages to new contacts, as WAHA reports it on WORKING:
    `reachoutTimelock.isActive` or `messageCapping` at CAPPED (in the payload or its `data`)."""
    for part in (payload, payload.get("data") if isinstance(payload.get("data"), dict) else {}):
        timelock = part.get("reachoutTimelock") or {}
        if isinstance(timelock, dict) and timelock.get("isActive"):
            ends = timelock.get("timeEnforcementEnds") or timelock.get("endsAt") or ""
            return "reach-out timelock" + (f" until {ends}" if ends else "")
        capping = part.get("messageCapping")
        capped = capping.get("status") or capping.get("state") if isinstance(capping, dict) else capping
        if str(capped or "").upper() == "CAPPED":
            return "message capping (CAPPED)"
    return ""


def pause_new_contacts(connection, why, *, now=None) -> bool:
    now = now or timezone.now()
    reason = f"WhatsApp {why}: {PAUSE_REASON}"[:500]
    with transaction.atomic():
        changed = Connection.objects.filter(pk=connection.pk, new_contacts_paused_at__isnull=True).update(
            new_contacts_paused_at=now, new_contacts_paused_reason=reason
        )
        if changed:
            audit.record(
                "connection.new_contacts_paused",
                actor_label="waha session.status",
                tenant=connection.tenant,
                target=connection,
                after={"reason": reason},
            )
    if changed:
        connection.new_contacts_paused_at, connection.new_contacts_paused_reason = now, reason
    return bool(changed)


def lift_new_contacts_pause(connection, *, now=None) -> bool:
    with transaction.atomic():
        changed = Connection.objects.filter(pk=connection.pk, new_contacts_paused_at__isnull=False).update(
            new_contacts_paused_at=None, new_contacts_paused_reason=""
        )
        if changed:
            audit.record(
                "connection.new_contacts_resumed",
                actor_label="waha session.status",
                tenant=connection.tenant,
                target=connection,
                before={"reason": connection.new_contacts_paused_reason},
            )
    if changed:
        connection.new_contacts_paused_at, connection.new_contacts_paused_reason = None, ""
    return bool(changed)


def stuck_in_scan_qr(now=None):
    """WAHA connections showing a QR code longer than WAHA_SCAN_QR_INCIDENT_MINUTES."""
    now = now or timezone.now()
    since = now - timedelta(minutes=settings.WAHA_SCAN_QR_INCIDENT_MINUTES)
    return Connection.objects.filter(
        provider=Provider.WAHA, is_active=True, provider_status="SCAN_QR_CODE", provider_status_at__lte=since
    ).select_related("tenant")


# --- What people do (admin, portal, the ban flow) --------------------------------------------

ACTIONS = {
    "restart": client.restart_session,
    "stop": client.stop_session,
    "logout": client.logout_session,
    "start": client.start_session,
}


def session_action(connection, action, *, actor, reason="", request=None) -> dict:
    """Restart, stop, start or log out the connection's session; audited whether WAHA agreed or not."""
    _require_waha(connection)
    if action not in ACTIONS:
        raise ServiceError(f"No session action {action!r}; use one of {', '.join(ACTIONS)}.", "bad_action")
    try:
        info = ACTIONS[action](connection)
    except client.WahaError as exc:
        _audit(f"waha.session_{action}_failed", connection, actor, reason, request, {"error": exc.message})
        raise ServiceError(exc.message, f"waha_{exc.kind}") from exc
    _audit(f"waha.session_{action}", connection, actor, reason, request, {"status": info.get("status", "")})
    return info


def request_pairing_code(connection, phone_number, *, actor, request=None) -> str:
    _require_waha(connection)
    try:
        code = client.request_pairing_code(connection, phone_number)
    except client.WahaError as exc:
        raise ServiceError(exc.message, f"waha_{exc.kind}") from exc
    _audit("waha.pairing_code_requested", connection, actor, "", request, {"phone_number": str(phone_number)[-4:]})
    return code


def create_session(connection, *, device_name, actor, reason="", request=None) -> dict:
    """A new session for the connection on `device_name` (the name the phone lists under Linked
    devices), webhooks to the connection; the device name is kept on the connection."""
    _require_waha(connection)
    device_name = (device_name or "").strip()
    if not device_name:
        raise ServiceError("Give the new session a device name.", "device_name_required")
    try:
        info = client.create_session(connection, webhook_url=services.webhook_url(connection), device_name=device_name)
    except client.WahaError as exc:
        raise ServiceError(exc.message, f"waha_{exc.kind}") from exc
    services.update_connection(connection, values={"device_name": device_name}, actor=actor)
    _audit("waha.session_created", connection, actor, reason, request, {"device_name": device_name})
    return info


def replace_session(connection, *, device_name, actor, reason="", request=None) -> dict:
    """Deletes the connection's WAHA session (gone already is fine) and creates it anew on
    `device_name`: after a ban, WhatsApp must see a different linked device."""
    _require_waha(connection)
    try:
        client.delete_session(connection)
    except client.WahaError as exc:
        if exc.kind != client.NOT_FOUND:
            raise ServiceError(exc.message, f"waha_{exc.kind}") from exc
    _audit(
        "waha.session_deleted", connection, actor, reason, request, {"device_name": connection.setting("device_name")}
    )
    return create_session(connection, device_name=device_name, actor=actor, reason=reason, request=request)


def live_status(connection) -> dict:
    """For the admin and portal pages: WAHA's view now ({"status", "me", "error"}), never raising."""
    try:
        info = client.session_info(connection)
    except client.WahaError as exc:
        return {"status": "", "me": None, "error": exc.message}
    return {"status": info.get("status", ""), "me": info.get("me"), "error": ""}


def _require_waha(connection):
    if connection.provider != Provider.WAHA:
        raise ServiceError(f"{connection} is not a WAHA connection.", "not_waha")


def _audit(action, connection, actor, reason, request, after):
    audit.record(
        action, actor=actor, tenant=connection.tenant, target=connection, reason=reason, after=after, request=request
    )


# --- What the session pages show -------------------------------------------------------------

QR_FIRST_S, QR_NEXT_S, QR_MAX = 60, 20, 6


@dataclass(frozen=True)
class QrSchedule:
    """Where WAHA is in its QR codes: the first lives 60 s, the next five 20 s each, then the
    session gives up. `refresh_s` is when the page should fetch the next code; `expired` means
    all six went by unscanned: start the session again."""

    code: int
    refresh_s: int
    expired: bool = False


def qr_schedule(shown_since, now) -> QrSchedule:
    if shown_since is None:
        return QrSchedule(code=0, refresh_s=QR_NEXT_S)
    elapsed = max(0, int((now - shown_since).total_seconds()))
    if elapsed < QR_FIRST_S:
        return QrSchedule(code=1, refresh_s=QR_FIRST_S - elapsed + 1)
    later = elapsed - QR_FIRST_S
    code = 2 + later // QR_NEXT_S
    if code > QR_MAX:
        return QrSchedule(code=QR_MAX, refresh_s=0, expired=True)
    return QrSchedule(code=code, refresh_s=QR_NEXT_S - later % QR_NEXT_S + 1)


def page(connection, now=None) -> dict:
    """What the admin and portal session pages show: WAHA's status now (short timeout), the linked
    number, the device, the QR schedule while one is shown, and the new-contacts pause."""
    now = now or timezone.now()
    live = live_status(connection)
    status = live["status"] or connection.provider_status
    since = connection.provider_status_at if connection.provider_status == "SCAN_QR_CODE" else None
    return {
        "status": status,
        "live": bool(live["status"]),
        "error": live["error"],
        "me": live["me"] or {},
        "number": str((live["me"] or {}).get("id", "")).split("@")[0],
        "device_name": connection.setting("device_name"),
        "qr": qr_schedule(since, now) if status == "SCAN_QR_CODE" else None,
        "refresh_s": _refresh(status, since, now),
        "paused_reason": connection.new_contacts_paused_reason if connection.is_new_contacts_paused else "",
        "paused_at": connection.new_contacts_paused_at,
    }


def _refresh(status, since, now):
    if status == "SCAN_QR_CODE":
        schedule = qr_schedule(since, now)
        return None if schedule.expired else schedule.refresh_s
    return 5 if status == "STARTING" else 30


def reconnect_hold(connection) -> str:
    """Why the tenant must not reconnect by themselves now ("" when they may): WhatsApp is off for a
    ban (the cooldown), or WhatsApp limits new contacts (restarting does not lift it)."""
    tenant = connection.tenant
    if tenant.whatsapp_disabled_for_ban:
        return (
            "WhatsApp is switched off for your account after a ban. Reconnecting now makes the ban worse: "
            "support will guide you through a new connection after the cooldown."
        )
    if connection.is_new_contacts_paused:
        return connection.new_contacts_paused_reason
    return ""


def tenant_restart(connection, *, actor, request=None) -> dict:
    hold = reconnect_hold(connection)
    if hold:
        raise ServiceError(hold, "reconnect_hold")
    return session_action(connection, "restart", actor=actor, reason="Restarted by the tenant", request=request)
