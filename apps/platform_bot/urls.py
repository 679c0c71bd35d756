from django.urls import path

from apps.platform_bot import views

urlpatterns = [
    path("telegram/webhook", views.telegram_webhook, name="platform-bot-webhook"),
]
