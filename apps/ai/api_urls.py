from django.urls import path

from apps.ai import api, models_api

urlpatterns = [
    path("ai/chat/completions", api.ChatCompletions.as_view(), name="api-ai-chat-completions"),
    path("ai/models", models_api.ModelList.as_view(), name="api-ai-models"),
    path("ai/models/<path:model>", models_api.ModelDetail.as_view(), name="api-ai-model"),
    path("ai/", api.unknown_url, name="api-ai-unknown-root"),
    path("ai/<path:rest>", api.unknown_url, name="api-ai-unknown"),
]
