"""How the portal and the API find the tenant a request acts for."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from apps.core import context, db_context, zones
from apps.tenants import roles
from apps.tenants.models import Membership

SESSION_KEY = "active_tenant_id"


def memberships_of(user):
    if not user.is_authenticated or getattr(user, "pk", None) is None:
        return Membership.objects.none()
    return Membership.objects.filter(user=user).select_related("tenant", "tenant__plan").order_by("tenant__name")


def active_membership(request):
    """The membership picked in the switcher, else the user's first; None without any."""
    memberships = memberships_of(request.user)
    chosen = request.session.get(SESSION_KEY)
    membership = memberships.filter(tenant_id=chosen).first() if chosen else None
    membership = membership or memberships.first()
    if membership is not None and chosen != membership.tenant_id:
        request.session[SESSION_KEY] = membership.tenant_id
    return membership


def switch_tenant(request, slug):
    """Makes `slug` the active tenant; a tenant the user is not a member of does not exist (404)."""
    membership = memberships_of(request.user).filter(tenant__slug=slug).first()
    if membership is None:
        raise Http404("No such tenant.")
    request.session[SESSION_KEY] = membership.tenant_id
    return membership


def tenant_member_required(view):
    """Portal views run with `request.tenant` and `request.membership` set, and with the tenant's
    time zone active, so every time on a portal page reads as the tenant's local time."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        membership = active_membership(request)
        if membership is None:
            return render(request, "portal/no_tenant.html", status=403)
        request.membership = membership
        request.tenant = membership.tenant
        request.may = roles.actions_of(membership.role)
        context.tenant_id_var.set(membership.tenant_id)
        db_context.use_tenant(membership.tenant_id)
        with timezone.override(zones.tenant_zone(membership.tenant)):
            return view(request, *args, **kwargs)

    return wrapper


def role_required(action):
    """A portal view doing `action` (apps/tenants/roles.py): members whose role may do it, else the
    403 page naming who may. The view carries `role_action`, which the route walk test reads."""
    roles.known(action)

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not roles.allows(request.membership.role, action):
                return render(request, "portal/forbidden.html", {"need": roles.who_may(action)}, status=403)
            return view(request, *args, **kwargs)

        checked = tenant_member_required(wrapper)
        checked.role_action = action
        return checked

    return decorator


NAV: list[tuple[str, str]] = []


def register_nav(label: str, url_name: str) -> None:
    """Apps add their portal pages to the top navigation from their AppConfig.ready()."""
    if (label, url_name) not in NAV:
        NAV.append((label, url_name))
