"""Counts and times every request by route: the URL pattern that matched ("webhooks/pms/<str:connection_id>/"),
never the raw path, so a scanner trying a million paths adds one series ("unmatched"), not a million."""

import time

from apps.core import metrics_prometheus as prom

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"


class RequestMetricsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started
        labels = {"route": route_of(request), "method": method_of(request), "status": str(response.status_code)}
        prom.inc(prom.HTTP_REQUESTS, **labels)
        prom.observe(prom.HTTP_DURATION, elapsed, **labels)
        return response


def route_of(request) -> str:
    match = getattr(request, "resolver_match", None)
    route = getattr(match, "route", None)
    return "/" + route if route is not None else UNMATCHED


def method_of(request) -> str:
    return request.method if request.method in METHODS else "other"
