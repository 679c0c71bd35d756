from django.urls import path

from apps.health import views

app_name = "heartbeats"

urlpatterns = [
    path("", views.heartbeat_list, name="list"),
    path("add/", views.heartbeat_add, name="add"),
    path("<int:check_id>/", views.heartbeat_edit, name="edit"),
    path("<int:check_id>/delete/", views.heartbeat_delete, name="delete"),
]
