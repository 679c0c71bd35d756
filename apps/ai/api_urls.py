from django.urls import path, re_path

from apps.ai import api, models_api

urlpatterns = [
    path("ai/chat/completions", api.ChatCompletions.as_view(), name="api-ai-chat-completions"),
    path("ai/models", models_api.ModelList.as_view(), name="api-ai-models"),
    path("ai/models/<path:model>", models_api.ModelDetail.as_view(), name="api-ai-model"),
    re_path(r"^ai/(?P<path>.*)$", api.unknown_url, name="api-ai-unknown"),
]
