from django.core.management.base import BaseCommand, CommandError

from apps.backups import services


class Command(BaseCommand):
    help = (
        "Backs the database up now as its owner (pg_dump -Fc, or SQLite's online backup), encrypted when "
        "BACKUP_ENCRYPTION_KEY is set, into BACKUP_STORAGE with a manifest; then applies retention."
    )

    def handle(self, *args, **options):
        backup = services.run_backup(trigger="command", say=self.stdout.write)
        if backup.status != backup.Status.SUCCEEDED:
            raise CommandError(f"Backup #{backup.pk} failed: {backup.error}")
        self.stdout.write(
            self.style.SUCCESS(f"Backup #{backup.pk} done in {backup.duration_ms:,} ms: {backup.file_name}")
        )
