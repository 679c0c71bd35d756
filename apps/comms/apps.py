from django.apps import AppConfig


class CommsConfig(AppConfig):
    name = "apps.comms"
    label = "comms"
    verbose_name = "Stakeholder communication"

    def ready(self):
        from apps.comms import receivers  # noqa: F401 — listens to the incident lifecycle's signals
        from apps.tenants.portal import register_nav

        register_nav("Incident notices", "notices:list")
