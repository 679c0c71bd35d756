"""/admin/knowledge-search/: the staff search page (apps/knowledge/admin_search.py), behind the
admin's login."""

from django.contrib import admin
from django.urls import path

from apps.knowledge import admin_search

app_name = "knowledge_search"

urlpatterns = [
    path("", admin.site.admin_view(admin_search.search_page), name="search"),
]
