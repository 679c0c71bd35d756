from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from apps.incidents import runbook_doc

DOC = Path(settings.BASE_DIR) / "docs" / "RUNBOOKS.md"


class Command(BaseCommand):
    help = "Prints the runbooks (from the runbooks data) as Markdown; --write replaces docs/RUNBOOKS.md."

    def add_arguments(self, parser):
        parser.add_argument("--write", action="store_true", help=f"Write {DOC.relative_to(settings.BASE_DIR)}.")

    def handle(self, *args, write=False, **options):
        text = runbook_doc.render()
        if not write:
            self.stdout.write(text, ending="")
            return
        DOC.parent.mkdir(exist_ok=True)
        DOC.write_text(text)
        self.stdout.write(f"wrote {DOC.relative_to(settings.BASE_DIR)}")
