import logging
import time

from django.conf import settings

from apps.core import context

logger = logging.getLogger("opsdesk.request")
REQUEST_ID_HEADER = "X-Request-ID"


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
        extra={"path": request.path, "method": request.method,
               "status": response.status_code, "duration_ms": round(duration_ms, 1)},
    )
    from apps.core.signals import slow_request

    slow_request.send(sender=None, request=request, response=response, duration_ms=duration_ms)


class RequestContextMiddleware:
    """Binds the user and active tenant once authentication has run."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            context.user_id_var.set(user.pk)
        tenant_id = request.session.get("active_tenant_id") if hasattr(request, "session") else None
        if tenant_id:
            context.tenant_id_var.set(tenant_id)
        return self.get_response(request)
