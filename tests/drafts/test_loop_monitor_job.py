"""The support-loop monitors run from a job of their own (drafts.support_loop_monitors), not inside
health.run_monitors: one loop waits on Chatwoot's webhook and the AI draft for up to a minute a step,
and would hold up every other monitor."""

import pytest
from django.conf import settings

from apps.core.db_context import platform_context
from apps.drafts import e2e_services
from apps.health import services as health
from apps.health.models import HealthMonitor
from apps.jobs import registry
from apps.jobs.services import run_job

pytestmark = pytest.mark.django_db


@pytest.fixture
def loop_monitor(tenant):
    monitor = e2e_services.loop_monitor(tenant)
    HealthMonitor.objects.filter(pk=monitor.pk).update(enabled=True)  # an operator turned it on
    return monitor


def test_the_monitors_run_leaves_the_support_loop_out(loop_monitor):
    health.sync_monitors()

    keys = [monitor.key for monitor in health.due_monitors()]

    assert "database" in keys and loop_monitor.key not in keys


def test_its_own_job_runs_only_the_support_loop_monitors(loop_monitor):
    with platform_context():
        run = run_job("drafts.support_loop_monitors")

    assert run.status == "succeeded", run.error
    assert run.counts["monitors"] == 1
    [result] = loop_monitor.results.all()
    assert result.status == "skip" and "Chatwoot" in result.detail  # the tenant has no Chatwoot yet
    assert not HealthMonitor.objects.filter(key="database").exclude(results=None).exists()


def test_beat_schedules_it_at_the_monitors_interval_and_the_jobs_page_lists_it():
    job = registry.get("drafts.support_loop_monitors")

    assert job.every.total_seconds() == settings.HEALTH_MONITOR_INTERVAL_SECONDS
    assert registry.beat_schedule()["drafts.support_loop_monitors"]["args"] == ["drafts.support_loop_monitors"]
    assert job in registry.all_jobs() and job.description.startswith("Runs the enabled support-loop monitors")
