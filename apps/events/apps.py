from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "apps.events"
    label = "events"
    verbose_name = "Error Center and audit log"

    def ready(self):
        from apps.events import signals  # noqa: F401 — connects the slow-request receiver
        from apps.tenants.portal import register_nav

        register_nav("Errors", "errors:list")
