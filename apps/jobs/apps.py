import importlib

from django.apps import AppConfig, apps


class JobsConfig(AppConfig):
    name = "apps.jobs"
    label = "jobs"
    verbose_name = "Jobs and worker runs"

    def ready(self):
        """Every app may declare periodic jobs in its `jobs.py`; import them all here."""
        for config in apps.get_app_configs():
            if config.name.startswith("apps."):
                try:
                    importlib.import_module(f"{config.name}.jobs")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{config.name}.jobs":
                        raise
