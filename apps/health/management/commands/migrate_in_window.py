"""`manage.py migrate_in_window [--force --reason "…"] [app_label [migration]] [--plan | --check]`: database migrations
only inside an open platform-wide maintenance window, as the runbook says. Outside one it refuses
and names the next window; `--force` needs a reason and is audited."""

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from apps.core.errors import ServiceError
from apps.health import migrations_gate


class Command(BaseCommand):
    help = "Runs `migrate` only inside an open platform-wide maintenance window (or --force with a reason)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Migrate outside a window (needs --reason).")
        parser.add_argument("--reason", default="", help="Why it cannot wait for the next window (audited).")
        parser.add_argument("app_label", nargs="?", help="As for migrate: only this app.")
        parser.add_argument("migration_name", nargs="?", help="As for migrate: up or down to this migration.")
        parser.add_argument("--plan", action="store_true", help="As for migrate: show the plan, change nothing.")
        parser.add_argument("--check", action="store_true", help="As for migrate: fail if migrations are unapplied.")

    def handle(self, *args, force=False, reason="", **options):
        try:
            verdict = migrations_gate.admit(force=force, reason=reason)
        except ServiceError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(verdict)
        targets = [name for name in (options["app_label"], options["migration_name"]) if name]
        passed = {"plan": options["plan"], "check_unapplied": options["check"], "verbosity": options["verbosity"]}
        call_command("migrate", *targets, interactive=False, stdout=self.stdout, **passed)
