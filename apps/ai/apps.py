from django.apps import AppConfig


class AiConfig(AppConfig):
    name = "apps.ai"
    label = "ai"
    verbose_name = "AI gateway"

    def ready(self):
        from apps.ai import (
            bots,
            checks,  # noqa: F401 — registers the ai_provider health check
            metrics,  # noqa: F401 — registers the AI alert metrics
            warmup,
        )
        from apps.tenants.portal import register_nav

        bots.connect()
        warmup.connect()
        register_nav("AI", "ai:usage")
