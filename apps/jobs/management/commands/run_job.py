import json

from django.core.management.base import BaseCommand, CommandError

from apps.core.errors import ServiceError
from apps.jobs import registry, services


def parse_param(text) -> tuple[str, object]:
    """`key=value`; the value read as JSON when it is JSON (`3`, `true`, `null`), else as text."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise CommandError(f"--param {text!r}: write it as key=value, e.g. --param project_id=3.")
    try:
        return key.strip(), json.loads(value)
    except ValueError:
        return key.strip(), value


class Command(BaseCommand):
    help = "Run a registered periodic job now by name, or list the jobs (--list)."

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?")
        parser.add_argument("--list", action="store_true", help="List registered jobs and their schedules.")
        parser.add_argument(
            "--param",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="A keyword argument for the job (repeatable), e.g. --param project_id=3 --param batch_size=20.",
        )

    def handle(self, *args, name=None, list=False, param=(), **options):
        if list:
            for job in registry.all_jobs():
                takes = f" (takes {', '.join(job.parameters)})" if job.parameters else ""
                self.stdout.write(f"{job.name:40} {job.schedule_label:28} {job.description}{takes}")
            return
        if not name:
            raise CommandError("Name a job to run, or pass --list to see them.")
        params = dict(parse_param(text) for text in param)
        try:
            run = services.run_job(name, trigger="manual", params=params)
        except KeyError as exc:
            raise CommandError(exc.args[0]) from None
        except ServiceError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"{run.name}: {run.status} in {run.duration_ms} ms {run.counts}")
        if run.status != run.Status.SUCCEEDED:
            raise CommandError(f"Job {name} failed: {run.error.splitlines()[0] if run.error else 'unknown error'}")
