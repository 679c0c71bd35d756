"""manage.py pms_sync <connection-id> [--since 2026-11-20T00:00:00Z]: fetch the reservations the
PMS changed since then, fill what the webhooks missed, and print the gaps found."""

import uuid

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime

from apps.core.errors import ServiceError
from apps.integrations.models import Connection
from apps.integrations.pms import sync


class Command(BaseCommand):
    help = "Sync a PMS connection's reservations and report what the webhooks had missed."

    def add_arguments(self, parser):
        parser.add_argument("connection_id")
        parser.add_argument("--since", help="ISO 8601 time; default PMS_SYNC_DEFAULT_HOURS ago")

    def handle(self, connection_id, since=None, **options):
        try:
            connection = Connection.objects.filter(pk=uuid.UUID(connection_id)).first()
        except ValueError:
            connection = None
        if connection is None:
            raise CommandError(f"No connection has id {connection_id}.")
        when = parse_datetime(since) if since else None
        if since and (when is None or when.tzinfo is None):
            raise CommandError("--since must be an ISO 8601 time with its zone, e.g. 2026-11-20T00:00:00Z.")
        try:
            run = sync.sync_now(connection, since=when, requested_by="manage.py pms_sync")
        except ServiceError as exc:
            raise CommandError(exc.message) from None
        if run.status == run.Status.FAILED:
            raise CommandError(f"PMS sync {run.pk} failed: {run.error}")
        self.stdout.write(
            f"PMS sync {run.pk}: fetched {run.fetched}, missing {run.missing}, outdated {run.outdated}, "
            f"applied {run.applied}."
        )
        for gap in run.gaps:
            self.stdout.write(
                f"  {gap['kind']:8} {gap['reservation_id']} → {gap['pms_status']} ({gap['pms_updated_at']})"
            )
