import importlib
import logging

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = (
        "Create demo data (idempotent: a second run changes and duplicates nothing). Each app "
        "contributes through `seed(out)` in its demo.py, in INSTALLED_APPS order, and may print "
        "what a newcomer needs afterwards through `notes()`."
    )

    def handle(self, *args, **options):
        modules = _demo_modules()
        logins = []
        logging.disable(logging.INFO)  # the audit trail of seeding is in the audit log, not the console
        try:
            for module in modules:
                with transaction.atomic():
                    logins += module.seed(self.stdout) or []
        finally:
            logging.disable(logging.NOTSET)
        self.stdout.write(self.style.SUCCESS("Demo data ready. Logins:"))
        for where, username, password, what in logins:
            self.stdout.write(f"  {where:12} {username:28} {password:18} {what}")
        for module in modules:
            for line in getattr(module, "notes", lambda: [])():
                self.stdout.write(line)


def _demo_modules():
    found = []
    for config in apps.get_app_configs():
        if not config.name.startswith("apps."):
            continue
        try:
            found.append(importlib.import_module(f"{config.name}.demo"))
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.demo":
                raise
    return found
