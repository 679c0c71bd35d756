from django.urls import path

from apps.ai import api

urlpatterns = [
    path("ai/chat/completions", api.ChatCompletions.as_view(), name="api-ai-chat-completions"),
]
