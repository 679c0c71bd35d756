"""Every `/api/v1/` route, one include per app."""

from django.urls import include, path

from apps.tenants.api import TenantStatusView

urlpatterns = [
    path("tenant/", TenantStatusView.as_view(), name="api-tenant"),
    path("", include("apps.events.api_urls")),
    path("", include("apps.tickets.api_urls")),
    path("", include("apps.integrations.api_urls")),
    path("", include("apps.jobs.api_urls")),
    path("", include("apps.incidents.api_urls")),
    path("", include("apps.outbound.api_urls")),
    path("", include("apps.knowledge.api_urls")),
    path("", include("apps.ai.api_urls")),
]
