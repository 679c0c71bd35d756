"""The integrations' periodic jobs: the inbox sweeper, automation timeouts, and retention."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from apps.core.batches import delete_in_batches
from apps.core.tasks import publish
from apps.integrations import automation, inbox, processing
from apps.integrations.models import AutomationRun, InboundEvent
from apps.jobs.registry import register

S = InboundEvent.Status
SWEEP_BATCH = 1000


@register("integrations.sweep_inbox", every=timedelta(minutes=1))
def sweep_inbox(now=None):
    """Re-enqueues events nobody is working on: left in `received` (the broker was down or the
    task was lost), failed ones whose retry is due, and ones stuck in `processing` (a worker died)."""
    now = now or timezone.now()
    released = processing.release_stuck(now)
    waiting = (
        InboundEvent.objects.filter(
            Q(status=S.RECEIVED, received_at__lt=now - timedelta(seconds=settings.INBOX_RESEND_AFTER_S))
            | Q(status=S.RECEIVED, attempts__gt=0)
            | Q(status=S.FAILED, next_attempt_at__lte=now)
        )
        .order_by("received_at")
        .values_list("id", flat=True)[:SWEEP_BATCH]
    )
    ids = list(waiting)
    return {"released_stuck": released, "due": len(ids), "enqueued": inbox.enqueue(ids)}


@register("integrations.automation_timeouts", every=timedelta(minutes=1))
def automation_timeouts():
    """Runs without a callback past N8N_RUN_TIMEOUT_S time out; queued runs never triggered are
    triggered again."""
    from apps.integrations.tasks import trigger_automation_run

    stale = AutomationRun.objects.filter(
        status=AutomationRun.Status.QUEUED, created_at__lt=timezone.now() - timedelta(minutes=1)
    ).values_list("id", flat=True)[:500]
    requeued = sum(publish(trigger_automation_run, run_id) for run_id in stale)
    return {"timed_out": automation.time_out_stuck_runs(), "requeued": requeued}


@register("integrations.purge_inbox", cron={"minute": 27, "hour": 3})
def purge_inbox():
    """Deletes final inbound events older than INBOX_RETENTION_DAYS, in batches; dead letters stay
    until someone replays or deletes them."""
    cutoff = timezone.now() - timedelta(days=settings.INBOX_RETENTION_DAYS)
    old = InboundEvent.objects.filter(status__in=[S.PROCESSED, S.IGNORED], received_at__lt=cutoff)
    return {"deleted": delete_in_batches(old)}


@register("integrations.waha_stuck_qr", every=timedelta(minutes=1))
def waha_stuck_qr(now=None):
    """WAHA sessions showing a QR code longer than WAHA_SCAN_QR_INCIDENT_MINUTES open or join their
    tenant's WhatsApp incident (WAHA may send no further event while it waits)."""
    from apps.integrations import signals
    from apps.integrations.waha import sessions

    now = now or timezone.now()
    stuck = list(sessions.stuck_in_scan_qr(now))
    for connection in stuck:
        signals.whatsapp_session_trouble.send(
            sender="waha", connection=connection, status="SCAN_QR_CODE", since=connection.provider_status_at, now=now
        )
    return {"stuck": len(stuck)}
