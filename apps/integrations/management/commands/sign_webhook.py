import shlex
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from apps.core.commands import refusals_as_command_errors
from apps.integrations import services, signing
from apps.integrations.models import Connection


class Command(BaseCommand):
    help = (
        "Prints a curl command that posts FILE to the connection's webhook URL, signed the way its provider "
        "signs (timestamped signatures are valid for 5 minutes). The body is sent as the file's exact bytes."
    )

    def add_arguments(self, parser):
        parser.add_argument("connection_id", help="The connection's id (add_connection and the admin show it).")
        parser.add_argument("file", help="The JSON payload to post.")

    def handle(self, connection_id, file, **options):
        connection = _connection(connection_id)
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No file {file!r}.")
        with refusals_as_command_errors():
            headers = signing.signed_headers(connection, path.read_bytes())
        self.stdout.write(curl(services.webhook_url(connection), headers, file))


def _connection(connection_id):
    try:
        return Connection.objects.select_related("tenant").get(pk=connection_id)
    except (Connection.DoesNotExist, ValidationError, ValueError):
        raise CommandError(f"No connection with id {connection_id!r}.") from None


def curl(url, headers, file) -> str:
    lines = [f"curl -sS -X POST {shlex.quote(url)}"]
    lines += [f"  -H {shlex.quote(f'{name}: {value}')}" for name, value in headers.items()]
    lines.append(f"  --data-binary @{shlex.quote(file)}")
    return " \\\n".join(lines)
