"""The jobs API for operator keys: queue the Chatwoot sync and embeddings (202 with the run),
refuse bad input with a 400 naming the field, and report the sync and embedding backlogs."""

import pytest
from rest_framework.test import APIClient

from apps.accounts import services as key_services
from apps.events.models import AuditEvent
from apps.jobs import api as jobs_api
from apps.jobs.models import WorkerRun
from apps.knowledge.models import Chunk
from tests.factories import StaffFactory, TenantFactory
from tests.knowledge.factories import ProjectFactory, SourceFactory

pytestmark = pytest.mark.django_db
SYNC, EMBED = "/api/v1/jobs/chatwoot/sync", "/api/v1/jobs/embeddings/run"


@pytest.fixture
def stand_in_embeddings(test_jobs, monkeypatch):
    """The embeddings endpoint queues the test job that records its params (the real job belongs
    to the knowledge app and has tests of its own)."""
    monkeypatch.setattr(jobs_api.EmbeddingsRun, "job", "tests.count_things")
    return test_jobs


def key_for(user):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key_services.issue_operator_key(user.username, name='t')[1]}")
    return api


def test_sync_of_every_project_is_queued_and_answers_202(operator_api):
    response = operator_api.post(SYNC, {}, format="json")
    assert response.status_code == 202
    run = response.json()["run"]
    assert (run["name"], run["trigger"], run["params"]) == ("knowledge.sync_chatwoot", "api", {})
    assert WorkerRun.objects.get(pk=run["id"]).queued_at is not None
    assert AuditEvent.objects.filter(action="jobs.run_requested", target_id=str(run["id"])).exists()


def test_sync_of_one_project_by_slug_or_id(operator_api):
    project = SourceFactory(project=ProjectFactory(slug="front-desk")).project
    by_slug = operator_api.post(SYNC, {"project": "front-desk"}, format="json").json()["run"]
    by_id = operator_api.post(SYNC, {"project": project.pk}, format="json").json()["run"]
    assert by_slug["params"] == by_id["params"] == {"project_id": project.pk}


@pytest.mark.parametrize(
    "body, field, words",
    [
        ({"project": "nope"}, "project", "No project 'nope'"),
        ({"project": 999999}, "project", "No project '999999'"),
        ({"project": ""}, "project", "id or slug"),
        ({"project": ["x"]}, "project", "id or slug"),
    ],
)
def test_a_bad_project_is_a_400_naming_it(operator_api, body, field, words):
    response = operator_api.post(SYNC, body, format="json")
    assert response.status_code == 400
    assert words in response.json()["fields"][field]
    assert not WorkerRun.objects.exists()


def test_a_slug_two_tenants_use_must_be_given_by_id(operator_api):
    first = ProjectFactory(slug="faq", tenant=TenantFactory())
    second = ProjectFactory(slug="faq", tenant=TenantFactory())
    detail = operator_api.post(SYNC, {"project": "faq"}, format="json").json()["fields"]["project"]
    assert f"ids {first.pk}, {second.pk}" in detail


def test_a_body_that_is_not_an_object_is_a_400(operator_api):
    response = operator_api.post(SYNC, ["project"], format="json")
    assert response.status_code == 400 and "JSON object" in response.json()["detail"]


def test_embeddings_take_a_batch_size_and_a_project(operator_api, stand_in_embeddings):
    project = ProjectFactory()
    response = operator_api.post(EMBED, {"batch_size": 20, "project": project.pk}, format="json")
    assert response.status_code == 202
    assert response.json()["run"]["params"] == {"project_id": project.pk, "batch_size": 20}
    assert stand_in_embeddings == [{"project_id": project.pk, "batch_size": 20, "trigger": "api"}]


@pytest.mark.parametrize("size", [0, 513, "many", -1, 2.5])
def test_a_batch_size_outside_1_to_512_is_a_400(operator_api, stand_in_embeddings, size):
    response = operator_api.post(EMBED, {"batch_size": size}, format="json")
    assert response.status_code == 400
    assert "batch_size" in response.json()["fields"]
    assert stand_in_embeddings == []


def test_read_only_staff_and_tenant_keys_may_not_queue(tenant_api, staff):
    from django.contrib.auth.models import Group

    watcher = StaffFactory(username="watcher")
    watcher.groups.add(Group.objects.get(name="Read-only"))
    assert key_for(watcher).post(SYNC, {}, format="json").status_code == 403
    assert tenant_api.post(SYNC, {}, format="json").status_code == 403
    assert key_for(watcher).get("/api/v1/jobs/status").status_code == 200
    assert not WorkerRun.objects.exists()


def test_status_reports_sync_and_embedding_backlogs(operator_api):
    source = SourceFactory(consecutive_failures=3, last_error="401 from Chatwoot")
    for n, state in enumerate(["pending", "pending", "ready", "failed"]):
        Chunk.objects.create(
            tenant=source.tenant,
            project=source.project,
            source=source,
            conversation_id=1,
            message_ids=[n],
            first_message_id=n,
            text="t",
            content_hash=str(n),
            embedding_status=state,
        )
    body = operator_api.get("/api/v1/jobs/status").json()
    assert body["embeddings"]["pending"] == 2
    assert (body["embeddings"]["ready"], body["embeddings"]["failed"]) == (1, 1)
    assert body["sync"]["sources_active"] == 1
    assert body["sync"]["sources_failing_3_in_a_row"] == 1
    assert body["sync"]["sources_due"] == 1  # never synced
    assert {"queued", "due", "sending"} <= set(body["outbound"])
    assert "pending" in body["inbox"]


def test_scheduler_shows_what_each_job_takes(operator_api):
    jobs = {row["name"]: row for row in operator_api.get("/api/v1/jobs/scheduler").json()["jobs"]}
    assert jobs["knowledge.sync_chatwoot"]["parameters"] == ["project_id"]
    assert jobs["jobs.worker_heartbeat"]["parameters"] == []
    assert "beat_last_sent_at" in jobs["jobs.worker_heartbeat"]


def test_beats_last_send_moves_the_next_run(operator_api):
    from django.utils import timezone
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    every = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.MINUTES)
    PeriodicTask.objects.create(
        name="jobs.worker_heartbeat",
        task="apps.jobs.tasks.run_registered_job",
        interval=every,
        last_run_at=timezone.now(),
    )
    jobs = {row["name"]: row for row in operator_api.get("/api/v1/jobs/scheduler").json()["jobs"]}
    heartbeat = jobs["jobs.worker_heartbeat"]
    assert heartbeat["beat_enabled"] is True and heartbeat["beat_last_sent_at"]
    assert heartbeat["due"] is False


def test_a_project_without_an_active_source_is_not_synced_for_nothing(operator_api):
    project = SourceFactory(is_active=False).project
    response = operator_api.post(SYNC, {"project": project.pk}, format="json")
    assert response.status_code == 400
    assert "has no active Chatwoot source" in response.json()["fields"]["project"]
    assert not WorkerRun.objects.exists()
