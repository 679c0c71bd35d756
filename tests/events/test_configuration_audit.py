"""Configuration edited in the admin (alert rules, runbooks, escalation policies, emergency
contacts, SLA policies, macros, tags) is saved and deleted through one service, each change audited
with who, what and the values before and after."""

import pytest
from django.urls import resolve

from apps.events import configuration
from apps.events.admin_configuration import AuditedConfigurationAdmin
from apps.events.models import AuditEvent
from apps.tickets.models import Tag

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, staff):
    client.force_login(staff)
    return client


def test_adding_a_tag_in_the_admin_is_audited_with_its_author(admin_client, staff):
    response = admin_client.post("/admin/tickets/tag/add/", {"name": "vip"})
    assert response.status_code == 302
    record = AuditEvent.objects.get(action="tag.created")
    assert (record.actor, record.target_label, record.after) == (
        staff,
        "vip",
        {"id": Tag.objects.get().pk, "name": "vip"},
    )


def test_changing_a_tag_records_the_value_before_and_after(admin_client):
    tag = Tag.objects.create(name="vip")
    admin_client.post(f"/admin/tickets/tag/{tag.pk}/change/", {"name": "priority-guest"})
    record = AuditEvent.objects.get(action="tag.changed")
    assert (record.before, record.after) == ({"name": "vip"}, {"name": "priority-guest"})


def test_deleting_from_the_admin_is_audited_with_what_was_deleted(admin_client):
    tag = Tag.objects.create(name="vip")
    admin_client.post(f"/admin/tickets/tag/{tag.pk}/delete/", {"post": "yes"})
    assert not Tag.objects.exists()
    assert AuditEvent.objects.get(action="tag.deleted").before == {"id": tag.pk, "name": "vip"}


def test_bulk_delete_audits_each_row(admin_client):
    tags = [Tag.objects.create(name=name) for name in ("a", "b")]
    admin_client.post(
        "/admin/tickets/tag/",
        {"action": "delete_selected", "_selected_action": [t.pk for t in tags], "post": "yes"},
    )
    assert AuditEvent.objects.filter(action="tag.deleted").count() == 2


@pytest.mark.parametrize(
    "url",
    [
        "/admin/events/alertrule/",
        "/admin/incidents/runbook/",
        "/admin/incidents/escalationpolicy/",
        "/admin/incidents/emergencycontact/",
        "/admin/tickets/slapolicy/",
        "/admin/tickets/macro/",
        "/admin/tickets/tag/",
    ],
)
def test_every_configuration_admin_saves_and_deletes_through_the_service(url):
    model_admin = resolve(url).func.model_admin
    assert isinstance(model_admin, AuditedConfigurationAdmin)
    assert model_admin.save_model.__func__ is AuditedConfigurationAdmin.save_model
    assert model_admin.delete_queryset.__func__ is AuditedConfigurationAdmin.delete_queryset


def test_a_service_save_without_a_form_records_every_field():
    tag = configuration.save(Tag(name="late-checkout"))
    assert AuditEvent.objects.get(action="tag.created").after == {"id": tag.pk, "name": "late-checkout"}
