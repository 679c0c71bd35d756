import uuid

from django.core.management.base import BaseCommand, CommandError

from apps.core.commands import refusals_as_command_errors
from apps.integrations.models import Connection
from apps.knowledge import services
from apps.tenants.commands import get_tenant


class Command(BaseCommand):
    help = (
        "Creates a tenant's knowledge project when it is missing and adds a Chatwoot connection as its "
        "source (optionally only some inboxes); prints the project's and the source's ids."
    )

    def add_arguments(self, parser):
        parser.add_argument("tenant_slug")
        parser.add_argument("project_slug")
        parser.add_argument("--name", default="", help="The project's name (new projects only).")
        parser.add_argument(
            "--source", required=True, metavar="CONNECTION_ID", help="The id of a Chatwoot connection of the tenant."
        )
        parser.add_argument(
            "--inbox", action="append", default=[], metavar="ID", help="A Chatwoot inbox id to read (repeatable)."
        )

    def handle(self, tenant_slug, project_slug, name, source, inbox, **options):
        tenant = get_tenant(tenant_slug)
        connection = _connection(tenant, source)
        with refusals_as_command_errors():
            project, created, added = services.add_project_source(
                tenant, project_slug, connection, name=name, inbox_ids=inbox
            )
        state = "created" if created else "existing"
        self.stdout.write(f"project id: {project.pk} ({state}: {tenant.slug}/{project.slug}, {project.name})")
        inboxes = ", ".join(map(str, added.inbox_ids)) or "all"
        self.stdout.write(f"source id:  {added.pk} (connection {connection.name!r}, inboxes {inboxes})")


def _connection(tenant, connection_id) -> Connection:
    try:
        uuid.UUID(str(connection_id))
    except ValueError:
        raise CommandError(f"{connection_id!r} is not a connection id (a UUID; add_connection prints it).") from None
    connection = Connection.objects.filter(pk=connection_id).first()
    if connection is None:
        raise CommandError(f"No connection {connection_id}.")
    if connection.tenant_id != tenant.pk:
        raise CommandError(f"Connection {connection_id} belongs to another tenant, not {tenant.slug}.")
    if connection.provider != "chatwoot":
        raise CommandError(
            f"Connection {connection.name!r} is {connection.get_provider_display()}, not Chatwoot: "
            "a project reads Chatwoot connections only."
        )
    return connection
