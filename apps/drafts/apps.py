from django.apps import AppConfig


class DraftsConfig(AppConfig):
    name = "apps.drafts"
    label = "drafts"
    verbose_name = "AI drafts in Chatwoot"

    def ready(self):
        from apps.drafts import receivers

        receivers.connect()
