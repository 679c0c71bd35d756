"""manage.py ai_probe [--provider P]: one small request to each AI provider (apps.ai.probe), printed
as a table of status, latency and model. Exits non-zero when a provider with a key fails."""

from django.core.management.base import BaseCommand, CommandError

from apps.ai import probe
from apps.ai.providers import CHAIN

COLUMNS = ("provider", "status", "latency", "model", "detail")


class Command(BaseCommand):
    help = "Send one small request to each AI provider and show status, latency and model."

    def add_arguments(self, parser):
        parser.add_argument("--provider", choices=CHAIN, help="Probe only this provider.")

    def handle(self, *args, provider=None, **options):
        results = probe.probe(provider)
        self.stdout.write(table([row(result) for result in results]))
        if not probe.configured_providers():
            self.stdout.write("No provider key is set: every AI call goes to the mock.")
        failed = [result.provider for result in results if result.status == probe.FAILED]
        if failed:
            raise CommandError(f"Failed: {', '.join(failed)}.")


def row(result) -> tuple:
    latency = "-" if result.latency_ms is None else f"{result.latency_ms} ms"
    detail = (
        f"{result.error_kind}: {result.error}"
        if result.error
        else result.answer or ("no API key set" if result.status == probe.NOT_CONFIGURED else "")
    )
    return (result.provider, result.status, latency, result.model or "-", detail)


def table(rows) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(COLUMNS, *rows, strict=False)]
    lines = [COLUMNS, tuple("-" * width for width in widths), *rows]
    return "\n".join(
        "  ".join(str(cell).ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip() for line in lines
    )
