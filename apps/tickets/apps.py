from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "apps.tickets"
    label = "tickets"
    verbose_name = "Tickets"

    def ready(self):
        from apps.tenants.portal import register_nav
        from apps.tickets import metrics  # noqa: F401 — registers sla_breaches and avg_first_response_minutes

        register_nav("Tickets", "tickets:list")
