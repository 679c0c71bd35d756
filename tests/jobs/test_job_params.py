import pytest
from django.core.management import CommandError, call_command

from apps.core.errors import ServiceError
from apps.events.models import AuditEvent
from apps.jobs import services, tasks
from apps.jobs.models import WorkerRun
from tests.integrations.services import publishing_to

pytestmark = pytest.mark.django_db


def test_run_job_passes_params_and_records_them(test_jobs):
    run = services.run_job("tests.count_things", trigger="manual", params={"project_id": 4, "batch_size": 20})
    assert run.status == WorkerRun.Status.SUCCEEDED
    assert run.params == {"project_id": 4, "batch_size": 20}
    assert run.counts == {"project_id": 4, "batch_size": 20}
    assert test_jobs == [{"project_id": 4, "batch_size": 20, "trigger": "manual"}]


def test_a_job_that_takes_nothing_gets_nothing(test_jobs):
    run = services.run_job("tests.plain")
    assert run.status == WorkerRun.Status.SUCCEEDED
    assert run.params == {}
    assert test_jobs == [{}]


def test_a_param_the_job_does_not_take_is_refused_before_anything_runs(test_jobs):
    with pytest.raises(ServiceError, match="tests.plain does not take project_id; it takes no parameters"):
        services.run_job("tests.plain", params={"project_id": 1})
    assert not WorkerRun.objects.exists()
    assert test_jobs == []


def test_the_celery_task_takes_params(test_jobs):
    assert tasks.run_registered_job("tests.count_things", "schedule", {"batch_size": 8}) == "succeeded"
    assert WorkerRun.objects.get().params == {"batch_size": 8}


def test_enqueue_records_a_queued_run_audits_it_and_a_worker_runs_it_once(test_jobs, staff):
    run = services.enqueue("tests.count_things", trigger="page", params={"project_id": 2}, actor=staff, reason="why")
    assert run.status == WorkerRun.Status.SUCCEEDED  # tests run Celery eagerly
    assert run.queued_at is not None
    assert services.run_queued(run.pk) is None  # a second delivery finds it done
    assert test_jobs == [{"project_id": 2, "batch_size": None, "trigger": "page"}]
    audit = AuditEvent.objects.get(action="jobs.run_requested")
    assert audit.actor == staff
    assert audit.after == {"job": "tests.count_things", "params": {"project_id": 2}, "trigger": "page"}


def test_enqueue_refuses_an_unknown_job_without_a_row(db):
    with pytest.raises(ServiceError, match="Unknown job 'no.such'"):
        services.enqueue("no.such")
    assert not WorkerRun.objects.exists()
    assert not AuditEvent.objects.filter(action="jobs.run_requested").exists()


def test_a_broker_that_refuses_marks_the_queued_run_failed(test_jobs):
    with publishing_to("redis://127.0.0.1:1/0"), pytest.raises(services.NotQueued):
        services.enqueue("tests.plain")
    run = WorkerRun.objects.get()
    assert run.status == WorkerRun.Status.FAILED
    assert "Could not queue" in run.error
    assert test_jobs == []


def test_run_job_command_takes_params(test_jobs, capsys):
    call_command("run_job", "tests.count_things", "--param", "project_id=3", "--param", "batch_size=20")
    assert WorkerRun.objects.get().params == {"project_id": 3, "batch_size": 20}
    assert "succeeded" in capsys.readouterr().out


def test_run_job_command_explains_bad_params(test_jobs):
    with pytest.raises(CommandError, match="key=value"):
        call_command("run_job", "tests.count_things", "--param", "oops")
    with pytest.raises(CommandError, match="does not take colour"):
        call_command("run_job", "tests.count_things", "--param", "colour=red")
