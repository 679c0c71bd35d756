from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "apps.knowledge"
    label = "knowledge"
    verbose_name = "Knowledge search"

    def ready(self):
        from apps.knowledge import receivers
        from apps.tenants.portal import register_nav

        register_nav("Search", "knowledge:search")
        register_nav("Projects", "knowledge:projects")
        receivers.connect()
