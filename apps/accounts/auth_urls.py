from django.urls import path

from apps.accounts import session_api

app_name = "auth"

urlpatterns = [
    path("login", session_api.login, name="login"),
    path("logout", session_api.logout, name="logout"),
    path("me", session_api.me, name="me"),
    path("tenant", session_api.switch_tenant, name="tenant"),
    path("diagnose", session_api.diagnose, name="diagnose"),
]
