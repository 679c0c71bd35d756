"""Keeping AIRequest to a size: one row per AI call, the gateway's largest table."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from apps.ai.models import AIRequest
from apps.core.batches import delete_in_batches


def purge_requests(now=None) -> int:
    """Deletes AI requests older than AI_REQUEST_RETENTION_DAYS, in batches; returns how many."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.AI_REQUEST_RETENTION_DAYS)
    return delete_in_batches(AIRequest.objects.filter(created_at__lt=cutoff))
