from django.urls import path

from apps.events import views

app_name = "errors"

urlpatterns = [
    path("", views.error_list, name="list"),
]
