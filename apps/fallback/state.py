"""Whether fallback manual mode is on: read by the intake of customers' messages, the portal
banner, the admin pages and the incidents' restore checklist ("manual mode is off"). The decision
itself is `apps.tenants.policy.manual_mode`, the one place switches decide."""

from apps.fallback.models import Conversation
from apps.tenants import policy
from apps.tenants.models import SystemSettings, Tenant


def is_on(tenant) -> bool:
    """On for the tenant: its own switch or the platform's."""
    return not policy.manual_mode(tenant)


def platform_since():
    """When platform-wide manual mode was switched on; None while it is off."""
    return SystemSettings.load().manual_mode_since


def tenants_on():
    """Tenants whose own switch is on (platform-wide manual mode covers every tenant besides)."""
    return Tenant.objects.filter(manual_mode_since__isnull=False)


def open_conversations(tenant=None):
    found = Conversation.objects.filter(state=Conversation.State.OPEN)
    return found.filter(tenant=tenant) if tenant is not None else found


def anywhere_on() -> bool:
    """Is manual mode on for anyone: the platform or at least one tenant?"""
    return platform_since() is not None or tenants_on().exists()
