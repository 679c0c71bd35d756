from django.apps import AppConfig


class BackupsConfig(AppConfig):
    name = "apps.backups"
    label = "backups"
    verbose_name = "Backups and restore drills"

    def ready(self):
        from apps.backups import monitor  # noqa: F401 — registers the backup_freshness check
