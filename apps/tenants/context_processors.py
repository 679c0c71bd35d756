from apps.tenants import policy
from apps.tenants.models import SystemSettings


def portal(request):
    """The maintenance banner on every page, and the tenant switcher's choices in the portal."""
    data = {"maintenance_banner": ""}
    try:
        data["maintenance_banner"] = SystemSettings.load().maintenance_banner
    except Exception:
        pass
    membership = getattr(request, "membership", None)
    if membership is not None:
        from django.urls import reverse

        from apps.tenants.portal import NAV, memberships_of

        data["portal_memberships"] = memberships_of(request.user)
        data["portal_nav_items"] = [{"label": label, "url": reverse(name)} for label, name in NAV]
        data["manual_mode_banner"] = manual_mode_banner(membership.tenant)
    return data


def manual_mode_banner(tenant) -> str:
    """While fallback manual mode is on for the tenant, what its members read on every page."""
    decision = policy.manual_mode(tenant)
    if decision:
        return ""
    return f"{decision.reason} Customers get a notice once per conversation; replies may take longer."
