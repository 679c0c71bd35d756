import ipaddress
import logging
import sys
import time

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import JsonResponse

from apps.core import context, db_outages

logger = logging.getLogger("opsdesk.request")
REQUEST_ID_HEADER = "X-Request-ID"
API_PREFIX = "/api/"
DATABASE_RETRY_AFTER_S = 30


class TrustedProxyMiddleware:
    """Behind a reverse proxy the client's address arrives in CLIENT_IP_HEADER. It is believed
    only from an address in TRUSTED_PROXIES, and then becomes REMOTE_ADDR (for the lockout, the
    audit log, everything); from anyone else that header and the proxy's scheme header are
    dropped, so a client can neither choose its address nor claim HTTPS."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        proxies = trusted_networks()
        if proxies:
            self.resolve_client(request, proxies)
        return self.get_response(request)

    def resolve_client(self, request, proxies):
        ip_key = "HTTP_" + settings.CLIENT_IP_HEADER.upper().replace("-", "_")
        if _within(request.META.get("REMOTE_ADDR"), proxies):
            client = client_address(request.META.get(ip_key, ""), proxies)
            request.META["REMOTE_ADDR"] = client or request.META["REMOTE_ADDR"]
        else:
            request.META.pop(ip_key, None)
            request.META.pop((settings.SECURE_PROXY_SSL_HEADER or ("",))[0], None)


def trusted_networks():
    return [ipaddress.ip_network(proxy, strict=False) for proxy in settings.TRUSTED_PROXIES]


def _ip(address):
    try:
        return ipaddress.ip_address((address or "").strip())
    except ValueError:
        return None


def _within(address, networks) -> bool:
    ip = _ip(address)
    return ip is not None and any(ip in network for network in networks)


def client_address(header: str, proxies) -> str | None:
    """The right-most address in `X-Forwarded-For: client, proxy1, proxy2` that is not one of our
    proxies: each proxy appends what it saw, so everything left of that could be forged."""
    hops = [hop.strip() for hop in header.split(",") if hop.strip()]
    untrusted = [hop for hop in hops if not _within(hop, proxies)]
    candidate = untrusted[-1] if untrusted else (hops[0] if hops else "")
    ip = _ip(candidate)
    return str(ip) if ip else None


class CorrelationIdMiddleware:
    """Takes `X-Request-ID` or mints one, binds it for the request, echoes it back, and warns
    about slow responses."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = context.clean_correlation_id(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = request_id or context.new_correlation_id()
        started = time.perf_counter()
        with context.bound(request_id=request.request_id, tenant_id=None, user_id=None):
            response = self.get_response(request)
            duration_ms = (time.perf_counter() - started) * 1000
            if duration_ms > settings.SLOW_REQUEST_MS:
                log_slow_request(request, response, duration_ms)
        response[REQUEST_ID_HEADER] = request.request_id
        return response


def log_slow_request(request, response, duration_ms):
    logger.warning(
        "SLOW API response",
        extra={
            "path": request.path,
            "method": request.method,
            "status": response.status_code,
            "duration_ms": round(duration_ms, 1),
        },
    )
    from apps.core.signals import slow_request

    slow_request.send(sender=None, request=request, response=response, duration_ms=duration_ms)


class RequestContextMiddleware:
    """Binds the user and active tenant once authentication has run."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            self.bind(request)
        except DatabaseError:
            pass  # the session is unreadable; the view meets the outage and answers for it
        return self.get_response(request)

    def bind(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            context.user_id_var.set(user.pk)
        tenant_id = request.session.get("active_tenant_id") if hasattr(request, "session") else None
        if tenant_id:
            context.tenant_id_var.set(tenant_id)


class ContentSecurityPolicyMiddleware:
    """Adds CONTENT_SECURITY_POLICY to every response that does not set its own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        header = (
            "Content-Security-Policy-Report-Only"
            if settings.CONTENT_SECURITY_POLICY_REPORT_ONLY
            else "Content-Security-Policy"
        )
        if settings.CONTENT_SECURITY_POLICY and header not in response:
            response[header] = settings.CONTENT_SECURITY_POLICY
        return response


class DatabaseUnavailableMiddleware:
    """An API request that failed because the database is unreachable gets a JSON 503 with
    Retry-After, so clients retry, instead of Django's HTML 500. Django turns an exception into a
    response in the layer that raised it; `got_request_exception` marks the request so this
    middleware, further out, can swap the response."""

    def __init__(self, get_response):
        self.get_response = get_response
        got_request_exception.connect(mark_database_down, dispatch_uid="opsdesk.database_down")

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, "database_down", False) and request.path.startswith(API_PREFIX):
            return database_unavailable()
        return response


def mark_database_down(sender, request=None, **kwargs):
    error = sys.exc_info()[1]
    if request is not None and isinstance(error, (OperationalError, InterfaceError)):
        request.database_down = True
        db_outages.record(error, f"{request.method} {request.path}")


def database_unavailable():
    response = JsonResponse(
        {"error": "database_unavailable", "detail": "The database cannot be reached; retry shortly."}, status=503
    )
    response["Retry-After"] = str(DATABASE_RETRY_AFTER_S)
    return response
