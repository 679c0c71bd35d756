"""The knowledge admin: projects and sources changed through the services (audited), "sync now"
confirmed and queued through the jobs service, and the synced rows as read-only lists with filters."""

import pytest

from apps.events.models import AuditEvent
from apps.jobs.models import WorkerRun
from apps.knowledge import sync
from apps.knowledge.models import ChatwootMessage, Project, ProjectSource
from tests.fakes.chatwoot import FakeChatwoot
from tests.integrations.factories import ConnectionFactory
from tests.knowledge.factories import ChatwootConnectionFactory, ProjectFactory, SourceFactory, synced_source

pytestmark = pytest.mark.django_db
ACTION = "sync_now_queue_the_chatwoot_sync_of_these_sources_projects"


@pytest.fixture
def operator(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def chatwoot():
    with FakeChatwoot(account_id=2, token="tok") as fake:
        conversation = fake.add_conversation(status="resolved")
        fake.add_message(conversation["id"], "Do you have a crib for a baby?")
        fake.add_message(conversation["id"], "Yes, free of charge.", message_type="outgoing")
        fake.add_message(conversation["id"], "VIP guest", message_type="outgoing", private=True)
        yield fake


def test_every_knowledge_list_and_change_page_renders(operator, chatwoot):
    source = synced_source(chatwoot)
    sync.sync_source(source)
    message = ChatwootMessage.objects.first()

    for path in (
        "/admin/knowledge/project/",
        f"/admin/knowledge/project/{source.project_id}/change/",
        "/admin/knowledge/project/add/",
        "/admin/knowledge/projectsource/",
        f"/admin/knowledge/projectsource/{source.pk}/change/",
        "/admin/knowledge/projectsource/add/",
        "/admin/knowledge/chatwootconversation/",
        "/admin/knowledge/chatwootmessage/",
        f"/admin/knowledge/chatwootmessage/{message.pk}/change/",
        "/admin/knowledge/chunk/",
    ):
        assert operator.get(path).status_code == 200, path


def test_message_list_filters_by_project_and_private(operator, chatwoot):
    source = synced_source(chatwoot)
    sync.sync_source(source)

    page = operator.get(f"/admin/knowledge/chatwootmessage/?private__exact=1&project__id__exact={source.project_id}")

    assert b"VIP guest" in page.content and b"a crib for a baby" not in page.content


def test_adding_a_project_goes_through_the_service(operator, tenant):
    response = operator.post("/admin/knowledge/project/add/", {"tenant": tenant.pk, "slug": "faq", "name": "FAQ"})

    assert response.status_code == 302
    assert Project.objects.get(slug="faq").name == "FAQ"
    assert AuditEvent.objects.filter(action="knowledge.project_created").exists()


def test_adding_a_source_keeps_the_inboxes_and_refuses_another_tenants_connection(operator, tenant):
    project = ProjectFactory(tenant=tenant)
    mine, foreign = ChatwootConnectionFactory(tenant=tenant), ChatwootConnectionFactory()
    form = {"project": project.pk, "inbox_text": "3, 5", "is_active": "on"}

    refused = operator.post("/admin/knowledge/projectsource/add/", {**form, "connection": foreign.pk})
    added = operator.post("/admin/knowledge/projectsource/add/", {**form, "connection": mine.pk})

    assert refused.status_code == 200 and b"another tenant" in refused.content
    assert added.status_code == 302
    assert ProjectSource.objects.get().inbox_ids == [3, 5]
    assert AuditEvent.objects.filter(action="knowledge.source_added").count() == 1


def test_only_chatwoot_connections_are_offered(operator, tenant):
    ConnectionFactory(tenant=tenant, provider="waha", name="the waha one")
    ChatwootConnectionFactory(tenant=tenant, name="the chatwoot one")

    page = operator.get("/admin/knowledge/projectsource/add/")

    assert b"the chatwoot one" in page.content and b"the waha one" not in page.content


def test_a_bad_inbox_id_is_a_form_error(operator, tenant):
    source = SourceFactory(tenant=tenant)

    response = operator.post(
        f"/admin/knowledge/projectsource/{source.pk}/change/", {"inbox_text": "front desk", "is_active": "on"}
    )

    assert response.status_code == 200 and b"Inbox ids are numbers" in response.content


def test_sync_now_asks_for_a_reason_then_queues_the_projects_sync(operator, chatwoot):
    source = synced_source(chatwoot)
    chosen = {"action": ACTION, "_selected_action": [source.pk]}

    confirm = operator.post("/admin/knowledge/projectsource/", chosen)
    assert b"reason" in confirm.content and not WorkerRun.objects.exists()
    operator.post("/admin/knowledge/projectsource/", {**chosen, "confirm": "yes", "reason": "guest asked"})

    run = WorkerRun.objects.get(name="knowledge.sync_chatwoot")
    assert run.params == {"project_id": source.project_id} and run.trigger == "manual"
    assert run.status == WorkerRun.Status.SUCCEEDED and ChatwootMessage.objects.count() == 3
    assert AuditEvent.objects.filter(action="jobs.run_requested", reason="guest asked").exists()


def test_a_failing_source_reads_failing_in_the_list(operator, chatwoot):
    source = synced_source(chatwoot)
    ProjectSource.objects.filter(pk=source.pk).update(consecutive_failures=3, last_error="HTTP 401")

    page = operator.get("/admin/knowledge/projectsource/")

    assert b"failing (3 runs in a row)" in page.content


def test_removing_a_source_goes_through_the_service(operator):
    source = SourceFactory()

    operator.post(f"/admin/knowledge/projectsource/{source.pk}/delete/", {"post": "yes"})

    assert not ProjectSource.objects.exists()
    assert AuditEvent.objects.filter(action="knowledge.source_removed").exists()


def test_a_project_can_be_synced_now_too(operator, chatwoot):
    source = synced_source(chatwoot)
    chosen = {"action": "sync_now_queue_the_chatwoot_sync_of_these_projects", "_selected_action": [source.project_id]}

    operator.post("/admin/knowledge/project/", {**chosen, "confirm": "yes", "reason": "fresh answers"})

    assert WorkerRun.objects.get(name="knowledge.sync_chatwoot").params == {"project_id": source.project_id}
    assert ChatwootMessage.objects.filter(project=source.project).count() == 3
