from django.apps import AppConfig


class OutboundConfig(AppConfig):
    name = "apps.outbound"
    label = "outbound"
    verbose_name = "Outbound messages"

    def ready(self):
        # checks and metrics register the outbound_sending check and message_delivery_failure_rate.
        from apps.outbound import checks, metrics, receivers  # noqa: F401
        from apps.tenants.portal import register_nav

        receivers.connect()
        register_nav("Messages", "outbound:messages")
        register_nav("Contacts", "outbound:policies")
