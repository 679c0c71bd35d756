from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils import timezone

from apps.health import report, services


class Command(BaseCommand):
    help = (
        "Runs the health monitors once, prints a table, writes a JSON artifact (--json) and exits "
        "non-zero when one fails — for cron and CI."
    )

    def add_arguments(self, parser):
        parser.add_argument("--only", metavar="NAME", help="A monitor key (e.g. database), check name or kind.")
        parser.add_argument("--json", metavar="PATH", help="Write the results as JSON to this file.")

    def handle(self, *args, only=None, json=None, **options):
        started = timezone.now()
        try:
            outcomes = services.run_monitors(only=only, now=started)
        except DatabaseError as exc:  # nothing can be recorded, but cron still gets its table, artifact and status
            return self._finish([report.database_down_row(exc, started)], json, started)
        if only and not outcomes:
            raise CommandError(f"No enabled monitor matches {only!r}; known: {', '.join(services.known_names())}.")
        self._finish(report.rows(outcomes), json, started)

    def _finish(self, data, json, started):
        self.stdout.write(report.table(data))
        if json:
            Path(json).write_text(report.artifact(data, started))
            self.stdout.write(f"JSON written to {json}")
        failing = [row["key"] for row in data if not row["ok"]]
        if failing:
            raise CommandError(f"{len(failing)} of {len(data)} monitor(s) failing: {', '.join(failing)}")
        self.stdout.write(self.style.SUCCESS(f"All {len(data)} monitor(s) healthy."))
