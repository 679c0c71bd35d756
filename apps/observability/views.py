"""`/metrics`: Prometheus's text format, for a scraper holding METRICS_TOKEN or calling from
METRICS_ALLOWED_NETWORKS. Everyone else gets a 403 that says how to get in (the endpoint's existence
is no secret: every Opsdesk has one); nothing is cached anywhere."""

from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import CollectorRegistry
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4, generate_latest

from apps.core import metrics_processes
from apps.core import metrics_prometheus as prom
from apps.observability import access
from apps.observability.collectors import ScrapeTime

REFUSED = (
    "Forbidden: /metrics answers a request with 'Authorization: Bearer <METRICS_TOKEN>' or one from "
    "METRICS_ALLOWED_NETWORKS.\n"
)


@never_cache
@require_safe
def metrics(request):
    if not access.allowed(request):
        return HttpResponse(REFUSED, status=403, content_type="text/plain; charset=utf-8")
    return HttpResponse(generate_latest(scrape_registry()), content_type=CONTENT_TYPE_PLAIN_0_0_4)


class InProcess:
    def collect(self):
        return prom.REGISTRY.collect()


def scrape_registry() -> CollectorRegistry:
    """The files of every web and worker process when this one shares them, else this process's
    own values; then what the database says now."""
    registry = CollectorRegistry()
    registry.register(metrics_processes.FilesCollector() if metrics_processes.is_shared() else InProcess())
    registry.register(ScrapeTime())
    return registry
