from django.urls import path

from apps.knowledge import views

app_name = "knowledge"

urlpatterns = [
    path("search/", views.search_page, name="search"),
    path("projects/", views.project_list, name="projects"),
]
