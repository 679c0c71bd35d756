from datetime import timedelta

import pytest
from django.utils import timezone

from apps.events.models import SystemEvent
from apps.jobs import alerts, services
from apps.jobs.models import FailureAlert, WorkerRun

pytestmark = pytest.mark.django_db


def job_failed_events():
    return SystemEvent.objects.filter(code="JOB_FAILED").order_by("occurred_at")


def test_a_failed_run_emits_job_failed_with_its_error(test_jobs):
    run = services.run_job("tests.broken", params={"project_id": 9})
    assert run.status == WorkerRun.Status.FAILED
    assert "401 Unauthorized" in run.error
    event = job_failed_events().get()
    assert event.message.startswith("tests.broken failed: RuntimeError: 401 Unauthorized")
    assert event.meta["worker_run_id"] == run.pk
    assert event.meta["params"] == {"project_id": 9}
    assert event.source == "jobs"


def test_job_failed_is_emitted_once_per_job_per_hour(test_jobs):
    for _ in range(3):
        services.run_job("tests.broken")
    assert job_failed_events().count() == 1


def test_another_job_failing_has_its_own_hour(test_jobs, monkeypatch):
    services.run_job("tests.broken")
    from apps.jobs import registry

    monkeypatch.setitem(registry._JOBS, "tests.also_broken", registry.get("tests.broken"))
    services.run_job("tests.also_broken")
    assert job_failed_events().count() == 2


def test_after_an_hour_the_next_failure_is_announced_with_the_ones_in_between(test_jobs):
    first = services.run_job("tests.broken")
    services.run_job("tests.broken")
    FailureAlert.objects.filter(name="tests.broken").update(last_alert_at=timezone.now() - timedelta(minutes=61))
    WorkerRun.objects.filter(pk=first.pk).update(started_at=timezone.now() - timedelta(minutes=70))
    services.run_job("tests.broken")
    events = list(job_failed_events())
    assert len(events) == 2
    assert events[1].meta["failed_since_last_alert"] == 2


def test_the_hour_is_kept_in_the_database_not_in_the_process(test_jobs):
    run = services.run_job("tests.broken")
    assert FailureAlert.objects.get(name="tests.broken").last_alert_at is not None
    assert alerts.announce_failure(run) is None


def test_a_successful_run_emits_nothing(test_jobs):
    services.run_job("tests.plain")
    assert not job_failed_events().exists()


def test_runs_no_worker_will_finish_are_failed_and_announced(test_jobs):
    now = timezone.now()
    lost = WorkerRun.objects.create(name="tests.plain", status="queued", started_at=now - timedelta(minutes=31))
    dead = WorkerRun.objects.create(name="tests.count_things", status="running", started_at=now - timedelta(hours=3))
    fresh = WorkerRun.objects.create(name="tests.plain", status="queued", started_at=now - timedelta(minutes=5))
    assert services.expire_stale_runs(now) == {"queued": 1, "running": 1}
    lost.refresh_from_db(), dead.refresh_from_db(), fresh.refresh_from_db()
    assert (lost.status, dead.status, fresh.status) == ("failed", "failed", "queued")
    assert "No worker picked the run up in 30 min" in lost.error
    assert "did not finish in 2 h" in dead.error
    assert {event.meta["job"] for event in job_failed_events()} == {"tests.plain", "tests.count_things"}
    assert services.run_queued(lost.pk) is None  # a late delivery does not run it after all


def test_alert_rules_can_count_job_failures(test_jobs):
    from apps.events import metrics

    services.run_job("tests.broken")
    counted = metrics.compute("event_count", timedelta(hours=1), timezone.now(), {"code": "JOB_FAILED"})
    assert counted == 1
