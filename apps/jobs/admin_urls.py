"""/admin/jobs/ — the Jobs page and its buttons, in front of the admin's own /admin/jobs/… pages."""

from django.contrib import admin
from django.urls import path

from apps.jobs import admin_views

urlpatterns = [
    path("", admin.site.admin_view(admin_views.jobs_page), name="jobs-page"),
    path("run/<slug:operation>/", admin.site.admin_view(admin_views.run_operation), name="jobs-run"),
]
