from django.apps import AppConfig


class OutboundConfig(AppConfig):
    name = "apps.outbound"
    label = "outbound"
    verbose_name = "Outbound messages"

    def ready(self):
        from apps.outbound import metrics, receivers  # noqa: F401 — registers message_delivery_failure_rate
        from apps.tenants.portal import register_nav

        receivers.connect()
        register_nav("Messages", "outbound:messages")
        register_nav("Contacts", "outbound:policies")
