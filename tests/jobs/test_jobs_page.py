"""The Jobs page (/admin/jobs/): the runbooks' checks for jobs, sync and embeddings, its buttons
(confirmed, audited, queued through Celery) and the evidence of a failed run."""

import re

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from apps.events.models import AuditEvent
from apps.jobs import services
from apps.jobs.models import WorkerRun
from apps.knowledge.models import ChatwootMessage, Chunk
from tests.factories import StaffFactory
from tests.fakes.chatwoot import FakeChatwoot
from tests.knowledge.factories import ProjectFactory, SourceFactory, synced_source

pytestmark = pytest.mark.django_db
PAGE = "/admin/jobs/"


@pytest.fixture
def operator(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def read_only(client):
    user = StaffFactory(username="watcher")
    user.groups.add(Group.objects.get(name="Read-only"))
    client.force_login(user)
    return client


def add_material(source, *, messages=3, pending=0, ready=0, failed=0):
    now = timezone.now()
    for n in range(messages):
        ChatwootMessage.objects.create(
            tenant=source.tenant,
            project=source.project,
            source=source,
            conversation_id=1,
            message_id=n + 1,
            message_type="incoming",
            content=f"question {n}",
            created_at=now,
        )
    statuses = ["pending"] * pending + ["ready"] * ready + ["failed"] * failed
    for n, status in enumerate(statuses):
        Chunk.objects.create(
            tenant=source.tenant,
            project=source.project,
            source=source,
            conversation_id=1,
            message_ids=[n + 1],
            first_message_id=n + 1,
            text=f"chunk {n}",
            content_hash=str(n),
            embedding_status=status,
        )


def row(html, element_id):
    found = re.search(rf'<tr id="{element_id}">(.*?)</tr>', html, re.S)
    assert found, f"no row {element_id}"
    return found.group(1)


def test_jobs_redirects_staff_to_the_page_and_others_to_login(client, staff):
    assert client.get("/jobs/")["Location"] == PAGE
    assert "/admin/login/" in client.get(PAGE)["Location"]
    client.force_login(staff)
    assert client.get("/jobs/", follow=True).redirect_chain[-1][0] == PAGE
    assert client.get(PAGE).status_code == 200


def test_a_tenant_user_gets_the_login_page_not_the_jobs(client, people):
    client.force_login(people.owner)
    assert "/admin/login/" in client.get(PAGE)["Location"]


def test_every_registered_job_has_a_row_with_its_latest_run(operator, test_jobs):
    services.run_job("tests.plain")
    services.run_job("tests.broken", params={"project_id": 5})
    html = operator.get(PAGE).content.decode()
    assert "Succeeded" in row(html, "job-testsplain") and "done: 1" in row(html, "job-testsplain")
    broken = row(html, "job-testsbroken")
    assert "Failed" in broken and "401 Unauthorized" in broken
    assert "never ran" in row(html, "job-testscount_things")
    assert "takes project_id, batch_size" in row(html, "job-testscount_things")


def test_queued_runs_show_as_waiting(operator, test_jobs):
    WorkerRun.objects.create(name="tests.plain", status="queued", started_at=timezone.now(), params={"x": 1})
    pending = re.search(r'<table id="pending-runs">(.*?)</table>', operator.get(PAGE).content.decode(), re.S).group(1)
    assert "tests.plain" in pending and "Queued" in pending and "x: 1" in pending


def test_each_project_shows_messages_chunks_and_ready_zero_stands_out(operator):
    stalled = SourceFactory(project=ProjectFactory(name="Front desk"))
    add_material(stalled, messages=4, pending=2, failed=1)
    healthy = SourceFactory(project=ProjectFactory(name="Spa"))
    add_material(healthy, messages=2, ready=3)
    html = operator.get(PAGE).content.decode()
    front = row(html, f"project-{stalled.project.pk}")
    cells = re.findall(r"<td[^>]*>(.*?)</td>", front, re.S)
    assert cells[2:6] == ["4", "2", "0 — nothing to search", "1"]
    assert 'class="ready bad"' in front
    spa = row(html, f"project-{healthy.project.pk}")
    assert 'class="ready"' in spa and "nothing to search" not in spa


def test_backlogs_are_on_the_page(operator):
    add_material(SourceFactory(), messages=1, pending=5)
    html = operator.get(PAGE).content.decode()
    embeddings = re.search(r'id="backlog-embeddings">(.*?)</div>', html, re.S).group(1)
    assert "<dt>chunks pending</dt><dd>5</dd>" in embeddings
    assert 'id="backlog-inbox"' in html and 'id="backlog-outbound"' in html and 'id="backlog-sync"' in html


def test_read_only_staff_see_the_page_without_buttons_and_cannot_run(read_only):
    html = read_only.get(PAGE).content.decode()
    assert 'id="run-sync"' not in html
    assert read_only.get("/admin/jobs/run/sync/").status_code == 403
    assert read_only.post("/admin/jobs/run/sync/", {"confirm": "yes"}).status_code == 403
    assert not WorkerRun.objects.exists()


def test_the_sync_button_asks_for_confirmation_then_queues_an_audited_run(operator):
    with FakeChatwoot(account_id=7) as chatwoot:
        source = synced_source(chatwoot)
        conversation = chatwoot.add_conversation(inbox_id=1)
        chatwoot.add_message(conversation["id"], "Can I check in early?")
        project = source.project
        confirm = operator.get("/admin/jobs/run/sync/", {"project": project.pk}).content.decode()
        assert f"Project: {project.name}" in confirm and not WorkerRun.objects.exists()
        response = operator.post("/admin/jobs/run/sync/", {"project": project.pk, "reason": "runbook", "confirm": "1"})
    assert response["Location"] == PAGE
    run = WorkerRun.objects.get(name="knowledge.sync_chatwoot")
    assert (run.status, run.trigger, run.params) == ("succeeded", "page", {"project_id": project.pk})
    assert ChatwootMessage.objects.filter(project=project).count() == 1
    audit = AuditEvent.objects.get(action="jobs.run_requested")
    assert audit.reason == "runbook" and audit.target_id == str(run.pk)
    html = operator.get(PAGE).content.decode()
    assert f"queued as run #{run.pk}" in html


def test_a_bad_batch_size_is_refused_on_the_confirmation_page(operator):
    html = operator.post("/admin/jobs/run/embed/", {"batch_size": "0", "confirm": "1"}).content.decode()
    assert "greater than or equal to 1" in html
    html = operator.post("/admin/jobs/run/embed/", {"batch_size": "9999", "confirm": "1"}).content.decode()
    assert "less than or equal to 512" in html
    assert not WorkerRun.objects.exists()


def test_embeddings_button_passes_the_batch_size(operator, test_jobs, monkeypatch):
    from apps.jobs import admin_views

    stand_in = admin_views.Operation("Run embeddings", admin_views.admin_forms.EmbedForm, "tests.count_things")
    monkeypatch.setitem(admin_views.OPERATIONS, "embed", stand_in)
    operator.post("/admin/jobs/run/embed/", {"batch_size": "20", "confirm": "1"})
    assert WorkerRun.objects.get().params == {"batch_size": 20}
    assert test_jobs == [{"project_id": None, "batch_size": 20, "trigger": "page"}]


def test_the_tick_button_queues_a_tick_and_audits_it(operator, test_jobs):
    operator.post("/admin/jobs/run/tick/", {"confirm": "1", "reason": "catch up"})
    assert WorkerRun.objects.filter(trigger="tick", name="tests.plain").exists()
    assert AuditEvent.objects.get(action="jobs.tick_requested").reason == "catch up"


def test_an_unknown_operation_is_404(operator):
    assert operator.get("/admin/jobs/run/nope/").status_code == 404


def test_a_failed_sync_gives_the_runbook_evidence_in_one_block(operator):
    with FakeChatwoot(account_id=7, token="right") as chatwoot:
        source = synced_source(chatwoot)
        chatwoot.token = "rotated"
        add_material(source, messages=2, pending=1)
        operator.post("/admin/jobs/run/sync/", {"project": source.project.pk, "confirm": "1"})
    run = WorkerRun.objects.get(name="knowledge.sync_chatwoot")
    assert run.status == "failed"
    html = operator.get(PAGE).content.decode()
    block = re.search(rf'<pre class="evidence" id="evidence-{run.pk}"[^>]*>(.*?)</pre>', html, re.S).group(1)
    assert f"job: knowledge.sync_chatwoot (run #{run.pk}" in block
    assert "401" in block and "/api/v1/accounts/7/" in block
    assert f"project: {source.project.pk} {source.project.name}" in block
    assert "messages: 2; chunks: pending 1, ready 0, failed 0" in block
    assert 'data-target="evidence-' in html


def test_the_admin_overview_links_the_jobs_page_with_the_failing_jobs(operator, test_jobs):
    services.run_job("tests.broken")
    rows = {item.label: item for item in operator.get("/admin/").context["attention"]}
    failing = rows["Jobs whose last run failed"]
    assert (failing.value, failing.url, failing.detail) == (1, PAGE, "tests.broken")


def test_worker_runs_link_back_to_the_page_and_keep_the_evidence(operator, test_jobs):
    run = services.run_job("tests.broken", params={"project_id": 77})
    assert f'href="{PAGE}"' in operator.get("/admin/jobs/workerrun/").content.decode()
    page = operator.get(f"/admin/jobs/workerrun/{run.pk}/change/").content.decode()
    assert f'href="{PAGE}"' in page
    assert "project: 77 (not found)" in page and "401 Unauthorized" in page


def test_run_again_queues_each_run_with_its_own_params(operator, test_jobs):
    first = services.run_job("tests.count_things", params={"project_id": 1})
    second = services.run_job("tests.count_things", params={"batch_size": 5})
    operator.post(
        "/admin/jobs/workerrun/", {"action": "run_again", "_selected_action": [first.pk, second.pk]}, follow=True
    )
    again = WorkerRun.objects.filter(trigger="manual").order_by("pk")
    assert [run.params for run in again] == [{"batch_size": 5}, {"project_id": 1}]
    assert AuditEvent.objects.filter(action="jobs.run_requested").count() == 2


def test_a_job_failed_event_links_its_run_and_the_jobs_page(operator, test_jobs):
    from apps.events.models import SystemEvent

    run = services.run_job("tests.broken")
    event = SystemEvent.objects.get(code="JOB_FAILED")
    html = operator.get(f"/admin/events/systemevent/{event.pk}/change/").content.decode()
    assert f"/admin/jobs/workerrun/{run.pk}/change/" in html and f'href="{PAGE}"' in html


def test_an_incident_about_failing_jobs_links_the_jobs_page_from_its_runbook(operator, staff):
    from tests.incidents.factories import make_incident

    incident = make_incident(staff, title="Syncs failing", codes=["JOB_FAILED"])
    html = operator.get(f"/admin/incidents/incident/{incident.pk}/change/").content.decode()
    runbook = re.search(r'<article class="runbook" id="runbook-jobs-failing">(.*?)</article>', html, re.S).group(1)
    assert f'<a href="{PAGE}">Jobs page</a>' in runbook


def test_evidence_gives_the_batch_size_the_run_ended_with_and_the_one_asked(db):
    from apps.jobs.admin_status import evidence

    run = WorkerRun.objects.create(
        name="knowledge.embed_chunks",
        status="failed",
        started_at=timezone.now(),
        params={"batch_size": 64},
        counts={"batch_size": 16, "embedded": 0},
        error="EmbedRunFailed: 429 Too Many Requests",
    )
    text = evidence(run)
    assert "batch size: 16 (asked 64)" in text
    assert "project: all projects" in text
    assert "error: EmbedRunFailed: 429 Too Many Requests" in text


def test_the_confirmation_says_all_projects_when_none_is_chosen(operator):
    html = operator.get("/admin/jobs/run/sync/").content.decode()
    assert "Project: All projects" in html and 'name="confirm"' in html
    assert not WorkerRun.objects.exists()


def test_the_page_refuses_to_sync_a_project_without_a_source(operator):
    project = ProjectFactory(name="Orphan")
    html = operator.post("/admin/jobs/run/sync/", {"project": project.pk, "confirm": "1"}).content.decode()
    assert "Orphan has no active Chatwoot source" in html
    assert not WorkerRun.objects.exists()


def test_each_project_shows_the_latest_run_that_covered_it(db):
    from datetime import timedelta

    from apps.jobs.admin_status import SYNC_JOB, last_runs_by_project

    first, second = ProjectFactory(), ProjectFactory()
    now = timezone.now()

    def sync(minutes_ago, **params):
        started = now - timedelta(minutes=minutes_ago)
        return WorkerRun.objects.create(name=SYNC_JOB, status="succeeded", started_at=started, params=params)

    every, only_first = sync(3), sync(1, project_id=first.pk)
    found = last_runs_by_project(SYNC_JOB, [first.pk, second.pk])
    assert (found[first.pk], found[second.pk]) == (only_first, every)
    assert last_runs_by_project(SYNC_JOB, [first.pk, second.pk], recent=1)[second.pk] == every


def test_more_projects_cost_the_page_no_more_queries(operator):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert operator.get(PAGE).status_code == 200
        return len(captured)

    add_material(SourceFactory(project=ProjectFactory(name="A")), messages=1, pending=1)
    queries()  # the first request also loads the session and the user
    one = queries()
    for name in ("B", "C", "D", "E"):
        add_material(SourceFactory(project=ProjectFactory(name=name)), messages=1, pending=1)
    assert queries() == one
