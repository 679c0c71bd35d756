from django.urls import path

from apps.integrations import views

urlpatterns = [
    path("meta/", views.meta_webhook, name="webhook-meta"),
    path("waha/<str:connection_id>/", views.provider_webhook, {"provider": "waha"}, name="webhook-waha"),
    path("chatwoot/<str:connection_id>/", views.provider_webhook, {"provider": "chatwoot"}, name="webhook-chatwoot"),
    path("pms/<str:connection_id>/", views.provider_webhook, {"provider": "pms"}, name="webhook-pms"),
    path("telegram/<str:connection_id>/", views.provider_webhook, {"provider": "telegram"}, name="webhook-telegram"),
    path("n8n/<str:connection_id>/", views.provider_webhook, {"provider": "n8n"}, name="webhook-n8n"),
]
