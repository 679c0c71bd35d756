"""Deleting events past EVENT_RETENTION_DAYS, in batches so no long table lock is held."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from apps.core.batches import delete_in_batches
from apps.events.models import SystemEvent


def purge_old_events(now=None):
    """Deletes events older than the retention period; returns how many were deleted."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.EVENT_RETENTION_DAYS)
    return delete_in_batches(SystemEvent.objects.filter(occurred_at__lt=cutoff), settings.EVENT_PURGE_BATCH)
