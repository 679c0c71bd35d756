"""Manual mode on and off, for one tenant or platform-wide: one service each way. The switch is
written and audited by `apps.tenants.services` (a reason is required); here it is announced as a
SystemEvent (MANUAL_MODE_ON / MANUAL_MODE_OFF) and, when turned off, the open conversations are
handed back. Admin actions, the incident's kill-switch panel and commands call these."""

from apps.events import emit
from apps.fallback.services.handback import hand_back
from apps.tenants import services as tenants

SOURCE = "fallback"


def turn_on(tenant, *, actor, reason, request=None):
    tenant, changed = tenants.set_manual_mode(tenant, True, actor=actor, reason=reason, request=request)
    if changed:
        emit("MANUAL_MODE_ON", tenant=tenant, source=SOURCE, message=_said("on", tenant.name, reason))
    return tenant


def turn_off(tenant, *, actor, reason, request=None) -> int:
    """Returns how many conversations were handed back (again 0 on a second call)."""
    tenant, changed = tenants.set_manual_mode(tenant, False, actor=actor, reason=reason, request=request)
    handed = hand_back(tenant)
    if changed:
        message = f"{_said('off', tenant.name, reason)} {handed} conversation(s) handed back."
        emit("MANUAL_MODE_OFF", tenant=tenant, source=SOURCE, message=message, meta={"handed_back": handed})
    return handed


def turn_on_platform(*, actor, reason, request=None):
    system, changed = tenants.set_global_manual_mode(True, actor=actor, reason=reason, request=request)
    if changed:
        emit("MANUAL_MODE_ON", source=SOURCE, message=_said("on", "every tenant", reason))
    return system


def turn_off_platform(*, actor, reason, request=None) -> int:
    """Hands back the conversations of every tenant whose own switch is not on."""
    _system, changed = tenants.set_global_manual_mode(False, actor=actor, reason=reason, request=request)
    handed = hand_back()
    if changed:
        message = f"{_said('off', 'every tenant', reason)} {handed} conversation(s) handed back."
        emit("MANUAL_MODE_OFF", source=SOURCE, message=message, meta={"handed_back": handed})
    return handed


def _said(way, scope, reason) -> str:
    return f"Manual mode {way} for {scope}: {reason.strip()}."
