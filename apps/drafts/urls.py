from django.urls import path

from apps.drafts import views

app_name = "drafts"

urlpatterns = [
    path("sources/<int:source_id>/", views.source_settings, name="source-settings"),
]
