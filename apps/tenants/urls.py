from django.urls import path

from apps.accounts import views as account_views
from apps.tenants import views

app_name = "portal"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("switch/", views.switch_tenant, name="switch_tenant"),
    path("api-keys/", account_views.api_keys, name="api_keys"),
    path("api-keys/<int:key_id>/revoke/", account_views.revoke_api_key, name="revoke_api_key"),
]
