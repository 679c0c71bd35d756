from django.core.management.base import BaseCommand, CommandError

from apps.core.commands import get_tenant, refusals_as_command_errors
from apps.integrations import services
from apps.integrations.models import Provider


class Command(BaseCommand):
    help = "Connects a tenant to a provider and prints the connection's id and webhook URL."

    def add_arguments(self, parser):
        parser.add_argument("tenant_slug")
        parser.add_argument("provider", choices=Provider.values)
        parser.add_argument("--name", default="")
        parser.add_argument("--secret", default="", help="The provider's webhook signing secret.")
        parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="values")

    def handle(self, tenant_slug, provider, name, secret, values, **options):
        tenant = get_tenant(tenant_slug)
        with refusals_as_command_errors():
            connection = services.create_connection(tenant, provider, name=name, secret=secret,
                                                    values=_pairs(values))
        self.stdout.write(f"connection id: {connection.pk}")
        self.stdout.write(f"webhook URL:   {services.webhook_url(connection)}")
        if provider in services.GENERATED_SECRETS and not secret:
            self.stdout.write(f"signing secret (shown once): {connection.secret('signing_secret')}")


def _pairs(values):
    pairs = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise CommandError(f"--set takes KEY=VALUE, got {item!r}.")
        pairs[key.strip()] = value
    return pairs
