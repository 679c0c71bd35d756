"""`manage.py add_project` and the project services behind it: created when missing, a source per
Chatwoot connection of the same tenant, audited, and clear refusals that write nothing."""

import io
import uuid

import pytest
from django.core.management import CommandError, call_command

from apps.core.errors import ServiceError
from apps.events.models import AuditEvent
from apps.knowledge import services
from apps.knowledge.models import Project, ProjectSource
from tests.factories import TenantFactory
from tests.integrations.factories import ConnectionFactory
from tests.knowledge.factories import ChatwootConnectionFactory, SourceFactory

pytestmark = pytest.mark.django_db


def add_project(*args):
    out = io.StringIO()
    call_command("add_project", *args, stdout=out)
    return out.getvalue()


def test_creates_the_project_and_its_source_and_prints_both_ids():
    connection = ChatwootConnectionFactory(tenant=TenantFactory(slug="acme"))

    out = add_project("acme", "front-desk", "--name", "Front desk", "--source", str(connection.pk), "--inbox", "4")

    project = Project.objects.get(slug="front-desk")
    source = ProjectSource.objects.get(project=project)
    assert f"project id: {project.pk} (created" in out and f"source id:  {source.pk}" in out
    assert (project.name, source.inbox_ids, source.connection_id) == ("Front desk", [4], connection.pk)
    assert set(AuditEvent.objects.values_list("action", flat=True)) == {
        "knowledge.project_created",
        "knowledge.source_added",
    }


def test_an_existing_project_gets_another_source():
    tenant = TenantFactory(slug="acme")
    first = SourceFactory(tenant=tenant)
    second = ChatwootConnectionFactory(tenant=tenant)

    out = add_project("acme", first.project.slug, "--source", str(second.pk))

    assert "(existing:" in out and "inboxes all" in out
    assert first.project.sources.count() == 2


def test_an_unknown_tenant_is_refused():
    with pytest.raises(CommandError, match="No tenant with slug 'nobody'"):
        add_project("nobody", "help", "--source", str(uuid.uuid4()))


def test_a_connection_of_another_tenant_is_refused_and_nothing_is_created():
    TenantFactory(slug="acme")
    foreign = ChatwootConnectionFactory()

    with pytest.raises(CommandError, match="belongs to another tenant"):
        add_project("acme", "help", "--source", str(foreign.pk))

    assert not Project.objects.exists()


def test_a_connection_that_is_not_chatwoot_is_refused():
    tenant = TenantFactory(slug="acme")
    waha = ConnectionFactory(tenant=tenant, provider="waha")

    with pytest.raises(CommandError, match="not Chatwoot"):
        add_project("acme", "help", "--source", str(waha.pk))


def test_a_source_id_that_is_not_a_uuid_or_unknown_is_refused():
    TenantFactory(slug="acme")

    with pytest.raises(CommandError, match="is not a connection id"):
        add_project("acme", "help", "--source", "12")
    with pytest.raises(CommandError, match="No connection"):
        add_project("acme", "help", "--source", str(uuid.uuid4()))


def test_a_bad_inbox_id_writes_nothing():
    connection = ChatwootConnectionFactory(tenant=TenantFactory(slug="acme"))

    with pytest.raises(CommandError, match="Inbox ids are numbers"):
        add_project("acme", "help", "--source", str(connection.pk), "--inbox", "front")

    assert not Project.objects.exists()


def test_the_same_connection_twice_is_refused():
    source = SourceFactory()

    with pytest.raises(ServiceError, match="already reads connection"):
        services.add_source(source.project, source.connection)


def test_widening_the_inboxes_resets_the_watermark_and_narrowing_keeps_it():
    from django.utils import timezone

    source = SourceFactory(inbox_ids=[1, 2], watermark=timezone.now())

    services.update_source(source, inbox_ids=[1])
    assert source.watermark is not None
    services.update_source(source, inbox_ids=[1, 3])
    assert source.watermark is None


def test_deactivating_and_removing_a_source_are_audited():
    source = SourceFactory()

    services.deactivate_source(source)
    assert not ProjectSource.objects.get(pk=source.pk).is_active
    services.remove_source(source)

    assert not ProjectSource.objects.exists()
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "knowledge.source_updated",
        "knowledge.source_removed",
    ]
