from django.apps import AppConfig


class HealthConfig(AppConfig):
    name = "apps.health"
    label = "health"
    verbose_name = "Health"

    def ready(self):
        from apps.health import jobs  # noqa: F401 — registers the monitor beat jobs
        from apps.health.probes import connections, platform, row_security, tenants  # noqa: F401 — the checks
        from apps.tenants.portal import register_nav

        register_nav("Heartbeats", "heartbeats:list")
