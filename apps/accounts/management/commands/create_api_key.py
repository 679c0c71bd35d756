from django.core.management.base import BaseCommand, CommandError

from apps.accounts import services
from apps.core.commands import refusals_as_command_errors
from apps.tenants.commands import get_tenant


class Command(BaseCommand):
    help = (
        "Issue an API key and print it once. create_api_key <tenant-slug> [--name N], or "
        "create_api_key --staff <username> for an operator key."
    )

    def add_arguments(self, parser):
        parser.add_argument("tenant_slug", nargs="?")
        parser.add_argument("--name", default="API key")
        parser.add_argument("--staff", metavar="USERNAME", help="Issue an operator key for this staff user.")

    def handle(self, *args, tenant_slug=None, name, staff=None, **options):
        if bool(tenant_slug) == bool(staff):
            raise CommandError("Give either a tenant slug or --staff <username>, not both and not neither.")
        with refusals_as_command_errors():
            if staff:
                api_key, key = services.issue_operator_key(staff, name=name)
            else:
                api_key, key = services.issue_tenant_key(get_tenant(tenant_slug), name=name)
        self.stderr.write(f"Created {api_key}. Store the key now; it is not shown again:")
        self.stdout.write(key)
