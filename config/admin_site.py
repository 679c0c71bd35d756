"""The admin site: Django's, opening on what needs attention (config/admin_overview.py) above the
list of apps."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig

from config import admin_overview


class OpsdeskAdminSite(admin.AdminSite):
    site_header = "Opsdesk operations"
    site_title = "Opsdesk"
    index_title = "Operations desk"

    def index(self, request, extra_context=None):
        context = {"attention": admin_overview.items(request.user), **(extra_context or {})}
        return super().index(request, context)


class OpsdeskAdminConfig(AdminConfig):
    default_site = "config.admin_site.OpsdeskAdminSite"
