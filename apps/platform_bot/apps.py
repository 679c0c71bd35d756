from django.apps import AppConfig


class PlatformBotConfig(AppConfig):
    name = "apps.platform_bot"
    label = "platform_bot"
    verbose_name = "Platform Telegram bot"

    def ready(self):
        from apps.platform_bot import callbacks, checks, updates  # noqa: F401 — register handlers and checks

        callbacks.load_all()
