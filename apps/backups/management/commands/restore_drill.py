from django.core.management.base import BaseCommand, CommandError

from apps.backups import services


class Command(BaseCommand):
    help = (
        "Restores the latest backup (or --backup ID) into a scratch database, checks checksum, row counts, "
        "RPO, migrations, foreign keys and row-level security against its manifest, drops it, records the drill."
    )

    def add_arguments(self, parser):
        parser.add_argument("--backup", type=int, help="The id of the backup to drill (default: the latest).")

    def handle(self, *args, backup=None, **options):
        try:
            chosen = services.stored_backup(backup)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        drill = services.run_drill(backup=chosen, trigger="command", say=self.stdout.write)
        if drill.status != drill.Status.PASSED:
            raise CommandError(f"Restore drill #{drill.pk} FAILED at {drill.failed_check}: {drill.error}")
        timing = f"restore {drill.restore_seconds:.1f} s, total {drill.total_seconds:.1f} s"
        self.stdout.write(self.style.SUCCESS(f"Restore drill #{drill.pk} passed: {timing}"))
