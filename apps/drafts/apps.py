from django.apps import AppConfig


class DraftsConfig(AppConfig):
    name = "apps.drafts"
    label = "drafts"
    verbose_name = "AI drafts in Chatwoot"

    def ready(self):
        from apps.drafts import e2e, receivers  # noqa: F401 (e2e registers the support_loop_e2e check)

        receivers.connect()
