"""Knowledge's periodic jobs: the Chatwoot sync and the embedding of pending chunks."""

from datetime import timedelta

from django.conf import settings

from apps.jobs.registry import register
from apps.knowledge import embedding, sync


@register("knowledge.sync_chatwoot", every=timedelta(minutes=settings.CHATWOOT_SYNC_EVERY_MINUTES))
def sync_chatwoot(*, project_id=None, trigger="schedule"):
    """Syncs the Chatwoot conversations of every active project source (or of one project)."""
    return sync.sync_all(project_id=project_id, trigger=trigger)


@register("knowledge.embed_chunks", every=timedelta(minutes=settings.EMBED_EVERY_MINUTES))
def embed_chunks(*, batch_size=None, project_id=None, trigger="schedule"):
    """Embeds pending chunks in batches (of every project, or one), halving the batch on 413/429/timeouts."""
    return embedding.run(batch_size=batch_size, project_id=project_id, trigger=trigger)
