from datetime import timedelta

import pytest
from django.utils import timezone

from apps.events import retention
from apps.events.models import SystemEvent
from apps.jobs.registry import get as get_job
from tests.factories import SystemEventFactory

pytestmark = pytest.mark.django_db


def test_purge_deletes_only_events_past_retention(settings):
    settings.EVENT_RETENTION_DAYS = 90
    settings.EVENT_PURGE_BATCH = 3
    now = timezone.now()
    old = SystemEventFactory.create_batch(7, occurred_at=now - timedelta(days=91))
    recent = SystemEventFactory.create_batch(4, occurred_at=now - timedelta(days=89))

    deleted = retention.purge_old_events(now=now)

    assert deleted == 7
    assert not SystemEvent.objects.filter(id__in=[event.id for event in old]).exists()
    assert set(SystemEvent.objects.values_list("id", flat=True)) == {event.id for event in recent}


def test_purge_runs_in_batches_of_the_configured_size(settings):
    settings.EVENT_PURGE_BATCH = 2
    SystemEventFactory.create_batch(5, occurred_at=timezone.now() - timedelta(days=200))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        retention.purge_old_events()

    batch_selects = [q for q in queries.captured_queries if q["sql"].startswith("SELECT") and "LIMIT 2" in q["sql"]]
    assert len(batch_selects) == 4  # 2 + 2 + 1, then an empty batch ends the loop


def test_the_nightly_job_purges_old_events(settings):
    SystemEventFactory(occurred_at=timezone.now() - timedelta(days=settings.EVENT_RETENTION_DAYS + 1))

    assert get_job("events.purge_old_events").func() == {"deleted": 1}
    assert not SystemEvent.objects.exists()
