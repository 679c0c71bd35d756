from django.apps import AppConfig


class AiConfig(AppConfig):
    name = "apps.ai"
    label = "ai"
    verbose_name = "AI gateway"

    def ready(self):
        from apps.ai import bots

        bots.connect()
