"""The inbox metrics the seeded alert rules read (webhook success/failure rate, dead letters/hour)."""

from datetime import timedelta

from django.utils import timezone

from apps.events import metrics
from apps.integrations.models import InboundEvent
from tests.integrations.factories import ConnectionFactory, InboundEventFactory

S = InboundEvent.Status


def test_success_and_failure_rates_and_dead_letters_per_hour(tenant, other_tenant):
    mine = ConnectionFactory(tenant=tenant, provider="waha")
    for status in [S.PROCESSED] * 8 + [S.FAILED, S.DEAD_LETTERED]:
        InboundEventFactory(
            connection=mine, status=status, dead_lettered_at=timezone.now() if status == S.DEAD_LETTERED else None
        )
    InboundEventFactory(connection=ConnectionFactory(tenant=other_tenant, provider="pms"), status=S.FAILED)
    now, window = timezone.now() + timedelta(seconds=1), timedelta(minutes=10)
    assert metrics.compute("webhook_success_rate", window, now, {"tenant": "alpha"}) == 80.0
    assert metrics.compute("webhook_failure_rate", window, now, {"provider": "waha"}) == 20.0
    assert round(metrics.compute("webhook_failure_rate", window, now), 1) == 27.3
    assert metrics.compute("dead_letters_per_hour", timedelta(hours=1), now) == 1.0


def test_no_deliveries_is_no_data_not_zero(db):
    assert metrics.compute("webhook_success_rate", timedelta(minutes=10), timezone.now()) is None
