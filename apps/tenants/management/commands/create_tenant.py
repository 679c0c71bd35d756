from django.core.management.base import BaseCommand

from apps.core.commands import refusals_as_command_errors
from apps.tenants import services


class Command(BaseCommand):
    help = "Create a tenant: create_tenant <slug> --name N [--plan P] [--timezone TZ]"

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--name", required=True)
        parser.add_argument("--plan", default=None, help="Plan name (default: the smallest plan).")
        parser.add_argument("--timezone", default="UTC")

    def handle(self, *args, slug, name, plan, timezone, **options):
        with refusals_as_command_errors():
            tenant = services.create_tenant(slug, name=name, plan_name=plan, timezone_name=timezone)
        self.stdout.write(f"Created tenant {tenant.slug} (id {tenant.pk}) on plan {tenant.plan.name}.")
