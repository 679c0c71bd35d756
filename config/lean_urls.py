"""The URLs the short middleware stack resolves (apps/core/lean_wsgi.py): the same views at the same
paths and names as config/urls.py, found without walking every other route (reverse() inside such a
request still uses config/urls.py)."""

from django.urls import include, path

urlpatterns = [
    path("api/v1/", include("apps.ai.api_urls")),
]
