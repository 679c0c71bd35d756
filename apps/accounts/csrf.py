"""CSRF for a separate front end: the token may come in `x-csrf-token` (the front end's header) or
Django's `X-CSRFToken`, and a refusal is JSON for JSON callers and Django's page for HTML forms."""

from django.conf import settings
from django.http import JsonResponse
from django.views import csrf as django_csrf
from rest_framework import authentication, exceptions, status

HEADER_ALIASES = ("HTTP_X_CSRF_TOKEN", "HTTP_X_CSRFTOKEN")
JSON_PATHS = ("/api/", "/auth/")
HINT = "Read csrf_token from GET /auth/me and send it back in the x-csrf-token header, with credentials."


def alias_token_header(request) -> None:
    """Copies whichever of the two headers the caller sent into the one Django reads."""
    if settings.CSRF_HEADER_NAME in request.META:
        return
    sent = next((name for name in HEADER_ALIASES if name in request.META), None)
    if sent:
        request.META[settings.CSRF_HEADER_NAME] = request.META[sent]


class CsrfHeaderMiddleware:
    """Runs before Django's CsrfViewMiddleware, which reads one header (CSRF_HEADER_NAME) only."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        alias_token_header(request)
        return self.get_response(request)


def wants_json(request) -> bool:
    return (
        "application/json" in request.headers.get("Accept", "")
        or "application/json" in request.headers.get("Content-Type", "")
        or request.path.startswith(JSON_PATHS)
    )


def failure_body(reason: str) -> dict:
    return {"error": "csrf_invalid", "detail": f"{reason} {HINT}"}


def csrf_failure(request, reason="", template_name=django_csrf.CSRF_FAILURE_TEMPLATE_NAME):
    """settings.CSRF_FAILURE_VIEW."""
    if wants_json(request):
        return JsonResponse(failure_body(reason), status=status.HTTP_403_FORBIDDEN)
    return django_csrf.csrf_failure(request, reason=reason, template_name=template_name)


class CsrfInvalid(exceptions.PermissionDenied):
    default_code = "csrf_invalid"


class SessionAuthentication(authentication.SessionAuthentication):
    """DRF's session authentication, refusing a missing or wrong token with the same
    `csrf_invalid` body as the middleware (DRF checks CSRF itself: its views are csrf_exempt)."""

    def enforce_csrf(self, request):
        alias_token_header(request)
        try:
            super().enforce_csrf(request)
        except exceptions.PermissionDenied as exc:
            reason = str(exc.detail).removeprefix("CSRF Failed: ")
            raise CsrfInvalid(failure_body(reason)["detail"]) from None
