from django.urls import path

from apps.ai import views

app_name = "ai"

urlpatterns = [
    path("", views.usage, name="usage"),
    path("<int:request_id>/", views.request_detail, name="request"),
]
