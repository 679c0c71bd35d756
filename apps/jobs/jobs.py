from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from apps.core.batches import delete_in_batches
from apps.jobs import services
from apps.jobs.models import WorkerRun
from apps.jobs.registry import register


@register("jobs.worker_heartbeat", every=timedelta(minutes=1))
def worker_heartbeat():
    """Proves a worker is consuming the queue; /readyz reads its age."""
    return {"alive": 1}


@register("jobs.purge_worker_runs", cron={"minute": 17, "hour": 3})
def purge_worker_runs():
    """Deletes worker runs older than WORKER_RUN_RETENTION_DAYS, in batches."""
    cutoff = timezone.now() - timedelta(days=getattr(settings, "WORKER_RUN_RETENTION_DAYS", 30))
    return {"deleted": delete_in_batches(WorkerRun.objects.filter(started_at__lt=cutoff))}


@register("jobs.expire_stale_runs", every=timedelta(minutes=5))
def expire_stale_runs():
    """Fails runs left queued or running by a lost task or worker, so the Jobs page tells the truth."""
    return services.expire_stale_runs()
