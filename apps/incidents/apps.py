from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "apps.incidents"
    label = "incidents"
    verbose_name = "Incidents and runbooks"

    def ready(self):
        from apps.incidents import receivers  # noqa: F401 — links new events to open incidents
