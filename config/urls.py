from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from apps.accounts import views as account_views
from apps.core import health

urlpatterns = [
    path("admin/audit/", RedirectView.as_view(url="/admin/events/auditevent/", permanent=False)),
    path("admin/events/", RedirectView.as_view(url="/admin/events/systemevent/", permanent=False)),
    path("admin/events/dashboard/", RedirectView.as_view(url="/admin/events/systemevent/dashboard/", permanent=False)),
    path("admin/incidents/", RedirectView.as_view(url="/admin/incidents/incident/", permanent=False)),
    path("admin/tickets/", RedirectView.as_view(url="/admin/tickets/ticket/", permanent=False)),
    path("admin/ai-usage/", include("apps.ai.admin_urls")),
    path("admin/jobs/", include("apps.jobs.admin_urls")),
    path("jobs/", RedirectView.as_view(pattern_name="jobs-page", permanent=False)),
    path("admin/knowledge-search/", include("apps.knowledge.admin_search_urls")),
    path("admin/", admin.site.urls),
    path("login/", account_views.LoginView.as_view(), name="login"),
    path("logout/", account_views.LogoutView.as_view(), name="logout"),
    path("auth/signup/", include("apps.accounts.signup.api_urls")),
    path("auth/", include("apps.platform_bot.urls")),
    path("auth/", include("apps.accounts.auth_urls")),
    path("signup/", include("apps.accounts.signup.urls")),
    path("dashboard/errors/", include("apps.events.urls")),
    path("dashboard/tickets/", include("apps.tickets.urls")),
    path("dashboard/outbound/", include("apps.outbound.urls")),
    path("dashboard/ai/", include("apps.ai.urls")),
    path("dashboard/whatsapp/", include("apps.integrations.waha.urls")),
    path("dashboard/heartbeats/", include("apps.health.portal_urls")),
    path("dashboard/drafts/", include("apps.drafts.urls")),
    path("dashboard/manual-mode/", include("apps.fallback.urls")),
    path("dashboard/notices/", include("apps.comms.portal_urls")),
    path("dashboard/", include("apps.knowledge.urls")),
    path("dashboard/", include("apps.tenants.urls")),
    path("api/v1/", include("config.api_urls")),
    path("webhooks/", include("apps.integrations.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("favicon.ico", RedirectView.as_view(url=settings.STATIC_URL + "favicon.svg", permanent=True)),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("", include("apps.observability.urls")),
    path("", RedirectView.as_view(url="/dashboard/", permanent=False)),
    path("status/", include("apps.health.urls")),
    path("status/", include("apps.comms.urls")),
    path("ping/", include("apps.health.ping_urls")),
]
