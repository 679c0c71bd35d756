from django.apps import AppConfig


class PlatformBotConfig(AppConfig):
    name = "apps.platform_bot"
    label = "platform_bot"
    verbose_name = "Platform Telegram bot"

    def ready(self):
        from apps.platform_bot import callbacks

        callbacks.load_all()
