"""A second Django handler with a short middleware stack, for the few routes machines call once per
message with an API key (settings.LEAN_ROUTES: the AI API's chat completions, which n8n and the
OpenAI SDKs call for every answer), where Django's own per-request work is most of what the route
costs besides the provider.

The full stack's CSRF, messages, lockout, CORS, static files, CSP and frame-options layers do
nothing for a server-to-server POST with a bearer key; the short stack (settings.LEAN_MIDDLEWARE)
keeps what such a request needs: metrics, the trusted proxy's client address, the correlation id,
the database-outage 503, the security headers, Content-Length, the row-security scope, and the
(lazy) session and user that DRF's refusals of other keys read. Only a request that can use
nothing else takes it: a POST to a lean route with `Authorization: Bearer …`, and neither an Origin
(a browser: CORS) nor a Cookie (a session). The view is the same either way (its URL, its fast
path, DRF behind it), resolved in settings.LEAN_URLCONF, which holds only the lean routes."""

from contextlib import contextmanager

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.urls import get_resolver

BEARER = "Bearer "


class LeanWSGIHandler(WSGIHandler):
    def load_middleware(self, is_async=False):
        with _middleware(settings.LEAN_MIDDLEWARE):
            super().load_middleware(is_async)

    def resolve_request(self, request):
        """Against settings.LEAN_URLCONF: the same view, its route and name, without the walk
        through every other pattern of the full URLconf."""
        request.resolver_match = get_resolver(settings.LEAN_URLCONF).resolve(request.path_info)
        return request.resolver_match


@contextmanager
def _middleware(stack):
    """Django builds a handler's chain from settings.MIDDLEWARE; this handler's is built from
    `stack` (once, when the process starts, before it serves anything)."""
    full = settings.MIDDLEWARE
    settings.MIDDLEWARE = stack
    try:
        yield
    finally:
        settings.MIDDLEWARE = full


def takes_lean(environ) -> bool:
    return (
        environ.get("REQUEST_METHOD") == "POST"
        and environ.get("PATH_INFO") in settings.LEAN_ROUTES
        and environ.get("HTTP_AUTHORIZATION", "").startswith(BEARER)
        and "HTTP_ORIGIN" not in environ
        and "HTTP_COOKIE" not in environ
    )


def dispatching(full, lean=None):
    """The WSGI application: `lean` for what `takes_lean`, `full` (Django's handler) for the rest."""
    lean = lean or LeanWSGIHandler()

    def application(environ, start_response):
        return (lean if takes_lean(environ) else full)(environ, start_response)

    return application
