from django.apps import AppConfig


class FallbackConfig(AppConfig):
    name = "apps.fallback"
    label = "fallback"
    verbose_name = "Fallback manual mode"

    def ready(self):
        from apps.fallback import receivers
        from apps.tenants.portal import register_nav

        receivers.connect()
        register_nav("Manual mode", "fallback:settings")
