"""The JSON session API a separate front end uses: log in and out with the session cookie, who am I,
and which tenant I act for (kept in the session, as the portal's switcher keeps it)."""

from django.contrib import auth
from django.http import Http404, JsonResponse
from django.middleware.csrf import get_token
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from apps.accounts import diagnose as diagnosis
from apps.core import safe_json
from apps.tenants import portal


def error(code, detail, status, **extra):
    return JsonResponse({"error": code, "detail": detail, **extra}, status=status)


def not_authenticated(request):
    return error("not_authenticated", "Log in first (POST /auth/login).", 401, csrf_token=get_token(request))


class BadBody(ValueError):
    def __init__(self, field, detail):
        super().__init__(detail)
        self.field, self.detail = field, detail


def text_fields(request, *names) -> dict:
    """The body's string fields `names`, or BadBody naming the first one missing or not text."""
    try:
        body = safe_json.loads(request.body or b"{}")
    except safe_json.BadJSON as exc:
        raise BadBody("body", f"The body is not JSON: {exc}") from None
    if not isinstance(body, dict):
        raise BadBody("body", "Send a JSON object.")
    for name in names:
        if not isinstance(body.get(name), str) or not body[name]:
            raise BadBody(name, f"{name} is required (a non-empty string).")
    return {name: body[name] for name in names}


def invalid(exc: BadBody):
    return error("invalid", exc.detail, 400, fields={exc.field: exc.detail})


def membership_json(membership):
    if membership is None:
        return None
    return {"slug": membership.tenant.slug, "name": membership.tenant.name, "role": membership.role}


def me_json(request) -> dict:
    user = request.user
    return {
        "user": {"id": user.pk, "username": user.get_username(), "email": user.email, "is_staff": user.is_staff},
        "tenants": [membership_json(m) for m in portal.memberships_of(user)],
        "active_tenant": membership_json(portal.active_membership(request)),
        "csrf_token": get_token(request),
    }


@never_cache
@require_POST
def login(request):
    """Django's authenticate and login, so django-axes counts failures and locks out (its middleware
    answers a locked-out request with apps.accounts.lockout), and logins are audited as in the portal."""
    try:
        fields = text_fields(request, "username", "password")
    except BadBody as exc:
        return invalid(exc)
    user = auth.authenticate(request, username=fields["username"], password=fields["password"])
    if user is None:
        return error("invalid_credentials", "The username or password is not correct.", 401)
    auth.login(request, user)
    return JsonResponse(me_json(request))


@never_cache
@require_POST
def logout(request):
    auth.logout(request)
    return JsonResponse({"ok": True, "csrf_token": get_token(request)})


@never_cache
@require_GET
def me(request):
    if not request.user.is_authenticated:
        return not_authenticated(request)
    return JsonResponse(me_json(request))


@never_cache
@require_POST
def switch_tenant(request):
    """One of the user's own tenants by slug; any other does not exist (404)."""
    if not request.user.is_authenticated:
        return not_authenticated(request)
    try:
        slug = text_fields(request, "tenant")["tenant"]
        portal.switch_tenant(request, slug)
    except BadBody as exc:
        return invalid(exc)
    except Http404:
        return error("not_found", "You are not a member of a tenant with that slug.", 404)
    return JsonResponse(me_json(request))


@never_cache
@require_GET
def diagnose(request):
    return JsonResponse(diagnosis.report(request))
