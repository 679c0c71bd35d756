from django.urls import path

from apps.accounts.signup import api

app_name = "signup_api"

urlpatterns = [
    path("status", api.signup_status, name="status"),
    path("start", api.start, name="start"),
    path("verify", api.verify, name="verify"),
    path("<str:signup_id>/status", api.poll, name="poll"),
]
