from django.apps import AppConfig
from django.db.models.signals import post_migrate


class EventsConfig(AppConfig):
    name = "apps.events"
    label = "events"
    verbose_name = "Error Center and audit log"

    def ready(self):
        from apps.events import (
            app_role,
            signals,  # noqa: F401 — connects the slow-request receiver
        )
        from apps.tenants.portal import register_nav

        register_nav("Errors", "errors:list")
        post_migrate.connect(app_role.regrant, sender=self, dispatch_uid="events.regrant_app_role")
