from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "apps.integrations"
    label = "integrations"
    verbose_name = "Integrations and webhooks"

    def ready(self):
        from apps.integrations import handlers, metrics  # noqa: F401 — registers the alert-rule metrics

        handlers.load_all()

        from apps.tenants.portal import register_nav

        register_nav("WhatsApp", "whatsapp:sessions")
