from django.core.management.base import BaseCommand, CommandError

from apps.jobs import registry, services


class Command(BaseCommand):
    help = "Run a registered periodic job now by name, or list the jobs (--list)."

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?")
        parser.add_argument("--list", action="store_true", help="List registered jobs and their schedules.")

    def handle(self, *args, name=None, list=False, **options):
        if list:
            for job in registry.all_jobs():
                self.stdout.write(f"{job.name:40} {job.schedule_label:28} {job.description}")
            return
        if not name:
            raise CommandError("Name a job to run, or pass --list to see them.")
        try:
            run = services.run_job(name, trigger="manual")
        except KeyError as exc:
            raise CommandError(exc.args[0]) from None
        self.stdout.write(f"{run.name}: {run.status} in {run.duration_ms} ms {run.counts}")
        if run.status != run.Status.SUCCEEDED:
            raise CommandError(f"Job {name} failed: {run.error.splitlines()[0] if run.error else 'unknown error'}")
