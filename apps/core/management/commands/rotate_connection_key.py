"""manage.py rotate_connection_key: re-encrypt every stored connection secret with
CONNECTION_ENCRYPTION_KEY (the previous keys in CONNECTION_ENCRYPTION_PREVIOUS_KEYS decrypt)."""

from django.core.management.base import BaseCommand, CommandError

from apps.core import services


class Command(BaseCommand):
    help = "Re-encrypt every stored connection secret with the current CONNECTION_ENCRYPTION_KEY."

    def handle(self, *args, **options):
        report = services.rotate_connection_key(actor_label="manage.py rotate_connection_key")
        for field, counts in report.items():
            self.stdout.write(f"{field}: {counts['rotated']} re-encrypted, {counts['unreadable']} unreadable")
        unreadable = sum(counts["unreadable"] for counts in report.values())
        if unreadable:
            raise CommandError(
                f"{unreadable} row(s) could not be decrypted with any configured key; "
                "add the key they were written with to CONNECTION_ENCRYPTION_PREVIOUS_KEYS "
                "and run this again."
            )
        self.stdout.write(
            self.style.SUCCESS("Every stored secret now uses the current key; the previous keys can be removed.")
        )
