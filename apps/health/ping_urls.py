from django.urls import path

from apps.health import views

app_name = "ping"

urlpatterns = [
    path("<ping_key>", views.ping, name="success"),
    path("<ping_key>/start", views.ping, {"kind": "start"}, name="start"),
    path("<ping_key>/fail", views.ping, {"kind": "fail"}, name="fail"),
]
