from argparse import RawDescriptionHelpFormatter

from django.core.management.base import BaseCommand, CommandError

from apps.core.commands import refusals_as_command_errors
from apps.integrations import services
from apps.integrations.models import PROVIDER_KEYS, Provider
from apps.tenants.commands import get_tenant


class Command(BaseCommand):
    help = "Connects a tenant to a provider and prints the connection's id and webhook URL."

    def create_parser(self, prog_name, subcommand, **kwargs):
        return super().create_parser(
            prog_name, subcommand, epilog=provider_keys_help(), formatter_class=RawDescriptionHelpFormatter, **kwargs
        )

    def add_arguments(self, parser):
        parser.add_argument("tenant_slug")
        parser.add_argument("provider", choices=Provider.values)
        parser.add_argument("--name", default="")
        parser.add_argument("--secret", default="", help="The provider's webhook signing secret.")
        parser.add_argument(
            "--set",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            dest="values",
            help="A setting or secret of the provider (repeatable); the keys are listed below.",
        )

    def handle(self, tenant_slug, provider, name, secret, values, **options):
        tenant = get_tenant(tenant_slug)
        with refusals_as_command_errors():
            connection = services.create_connection(tenant, provider, name=name, secret=secret, values=_pairs(values))
        self.stdout.write(f"connection id: {connection.pk}")
        self.stdout.write(f"webhook URL:   {services.webhook_url(connection)}")
        if provider in services.GENERATED_SECRETS and not secret:
            self.stdout.write(f"signing secret (shown once): {connection.secret('signing_secret')}")
        if connection.unsigned_warning():
            self.stdout.write(self.style.WARNING(f"WARNING: {connection.unsigned_warning()}"))


def _pairs(values):
    pairs = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise CommandError(f"--set takes KEY=VALUE, got {item!r}.")
        pairs[key.strip()] = value
    return pairs


def provider_keys_help() -> str:
    """Each provider's --set keys, secrets marked (they are stored encrypted and never shown back)."""
    lines = ["--set keys per provider (* = secret; the signing secret is --secret):"]
    for provider, keys in PROVIDER_KEYS.items():
        shown = [f"{key}*" if secret else key for key, secret in keys.items() if key != "signing_secret"]
        lines.append(f"  {provider:9} {', '.join(shown)}")
    lines.append("Meta's webhooks are signed with META_APP_SECRET (one per app), not per connection.")
    lines.append(
        "example: add_connection acme-hotels waha --secret <hmac-key> --set base_url=https://waha.example "
        "--set session=default --set api_key=<key>"
    )
    return "\n".join(lines)
