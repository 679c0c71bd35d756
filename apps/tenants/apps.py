from django.apps import AppConfig
from django.db.models.signals import post_migrate


class TenantsConfig(AppConfig):
    name = "apps.tenants"
    label = "tenants"
    verbose_name = "Tenants and switches"

    def ready(self):
        from apps.core import row_security
        from apps.tenants import groups  # noqa: F401  (post_migrate hook)

        post_migrate.connect(row_security.ensure_after_migrate, sender=self, dispatch_uid="tenants.row_security")
