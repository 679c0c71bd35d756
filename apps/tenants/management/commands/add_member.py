from django.core.management.base import BaseCommand

from apps.core.commands import refusals_as_command_errors
from apps.tenants import services
from apps.tenants.commands import get_tenant
from apps.tenants.models import Membership


class Command(BaseCommand):
    help = "Add a member to a tenant, creating the user when missing."

    def add_arguments(self, parser):
        parser.add_argument("tenant_slug")
        parser.add_argument("email")
        parser.add_argument("--role", required=True, choices=Membership.Role.values)
        parser.add_argument("--password", default=None, help="Only used when the user is created.")

    def handle(self, *args, tenant_slug, email, role, password, **options):
        tenant = get_tenant(tenant_slug)
        with refusals_as_command_errors():
            membership, created = services.add_member(tenant, email, role=role, password=password)
        user_note = "new user" if created else "existing user"
        self.stdout.write(f"{membership.user.username} ({user_note}) is {membership.role} of {tenant.slug}.")
