"""Keeping the attempt log to a size: attempts are the largest outbound table (one row per try)."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from apps.core.batches import delete_in_batches
from apps.outbound.models import OutboundAttempt


def purge_attempts(now=None) -> int:
    """Deletes attempts older than OUTBOUND_ATTEMPT_RETENTION_DAYS; returns how many."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.OUTBOUND_ATTEMPT_RETENTION_DAYS)
    return delete_in_batches(OutboundAttempt.objects.filter(created_at__lt=cutoff))
