from django.core.management.base import BaseCommand, CommandError

from apps.backups import artifacts, crypto, services
from apps.backups.database import CommandFailed


class Command(BaseCommand):
    help = (
        "Restores a stored backup over the app's database, as its owner (runbook 'Database lost'). Refuses a "
        "database that has tables unless --force; verifies the SHA-256 and decrypts before touching anything."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "backup", nargs="?", default="latest", help="The file name in BACKUP_STORAGE, or 'latest' (the default)."
        )
        parser.add_argument("--force", action="store_true", help="Overwrite a database that is not empty.")
        parser.add_argument("--list", action="store_true", help="List the stored backups and stop.")

    def handle(self, *args, backup, force=False, list=False, **options):
        if list:
            return self._list()
        try:
            result = services.restore_backup(backup, force=force, say=self.stdout.write)
        except (services.RestoreRefused, artifacts.NotFound, artifacts.ChecksumMismatch) as exc:
            raise CommandError(f"Refused: {exc}") from None
        except (crypto.DecryptionFailed, crypto.BadKey, CommandFailed) as exc:
            raise CommandError(f"Failed: {exc}") from None
        if not result["counts_ok"]:
            raise CommandError(f"Restored, but the row counts differ from the manifest: {result['detail']}")
        self.stdout.write(self.style.SUCCESS(f"Restored {result['file']} into the {result['database']}."))

    def _list(self):
        for name in artifacts.stored_names():
            self.stdout.write(name)
