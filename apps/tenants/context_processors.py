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
    return data
