"""/admin/ai-usage/…: the AI usage pages (apps/ai/admin_views.py), behind the admin's login."""

from django.contrib import admin
from django.urls import path

from apps.ai import admin_views

app_name = "ai_usage"
staff = admin.site.admin_view

urlpatterns = [
    path("overview/", staff(admin_views.overview), name="overview"),
    path("probe/", staff(admin_views.run_probe), name="probe"),
    path("by-tenant/", staff(admin_views.by_tenant), name="by_tenant"),
    *(
        path(f"by-tenant/<int:tenant_id>/{switch}/", staff(admin_views.tenant_switch), {"switch": switch}, name=switch)
        for switch in admin_views.SWITCHES
    ),
]
