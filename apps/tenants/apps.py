from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "apps.tenants"
    label = "tenants"
    verbose_name = "Tenants and switches"

    def ready(self):
        from apps.tenants import groups  # noqa: F401  (post_migrate hook)
