"""Demo events: two days of realistic failures across the demo tenants and yesterday's spike of
signature failures, so the Error Center, its dashboard and the tenants' errors pages have something
to show. Nothing spikes now: a fresh start opens no incident of its own."""

import random
from datetime import timedelta

from django.utils import timezone

from apps.events.ingest import build_event
from apps.events.models import SystemEvent
from apps.tenants.models import Tenant

BACKGROUND = [
    ("acme-hotels", "PMS_SYNC_FAILED", "Reservation sync failed: PMS answered 503", 12),
    ("acme-hotels", "META_SEND_FAIL", "Message failed: (#131047) Re-engagement message", 20),
    ("bella-bistro", "N8N_TIMEOUT", "Run exceeded 300 s without a callback", 8),
    ("bella-bistro", "CHATWOOT_SYNC_FAILED", "GET /api/v1/accounts/3/conversations answered 401", 5),
    ("coral-clinic", "MESSAGE_LIMIT_EXCEEDED", "Monthly message limit of 1000 reached", 15),
    ("coral-clinic", "AI_FAILURE_FALLBACK_SENT", "Provider openrouter answered 502; fallback sent", 6),
]
SPIKE_CODE = "META_WEBHOOK_VERIFY_FAIL"


def seed(out):
    if SystemEvent.objects.filter(source="demo").exists():
        return []
    rng = random.Random(3)
    now = timezone.now()
    tenants = {tenant.slug: tenant for tenant in Tenant.objects.filter(slug__in={row[0] for row in BACKGROUND})}
    rows = [
        build_event(
            code,
            tenant=tenants[slug],
            message=message,
            source="demo",
            meta={"demo": True},
            occurred_at=now - timedelta(minutes=rng.randint(15, 2 * 24 * 60)),
        )
        for slug, code, message, count in BACKGROUND
        if slug in tenants
        for _ in range(count)
    ]
    rows += [
        build_event(
            SPIKE_CODE,
            tenant=tenant,
            message="X-Hub-Signature-256 did not match",
            source="demo",
            occurred_at=now - timedelta(hours=26, minutes=rng.randint(0, 8)),
        )
        for tenant in tenants.values()
        for _ in range(12)
    ]
    SystemEvent.objects.bulk_create(rows)
    out.write(f"events: {len(rows)} demo events")
    return []
