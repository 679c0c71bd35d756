import importlib

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = ("Create demo data (idempotent: a second run changes and duplicates nothing). Each app "
            "contributes through `seed(out)` in its demo.py, in INSTALLED_APPS order.")

    def handle(self, *args, **options):
        logins = []
        for config in apps.get_app_configs():
            if not config.name.startswith("apps."):
                continue
            try:
                module = importlib.import_module(f"{config.name}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.demo":
                    raise
                continue
            with transaction.atomic():
                logins += module.seed(self.stdout) or []
        self.stdout.write(self.style.SUCCESS("Demo data ready. Logins:"))
        for where, username, password, what in logins:
            self.stdout.write(f"  {where:12} {username:28} {password:18} {what}")
