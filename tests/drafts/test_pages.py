"""Draft settings on the portal (owners and admins, from the Projects page) and in the admin; both
go through the service, so each change is audited."""

import pytest
from django.urls import reverse

from apps.drafts.models import DraftSettings
from apps.events.models import AuditEvent
from tests.factories import MembershipFactory
from tests.knowledge.factories import SourceFactory

pytestmark = pytest.mark.django_db
FORM = {
    "enabled": "on",
    "inbox_text": "1, 4",
    "system_prompt": "Draft replies for the front desk.",
    "tone": "formal",
    "min_score": "0.45",
    "min_hits": "2",
}


@pytest.fixture
def source(tenant):
    return SourceFactory(tenant=tenant, project__name="Hotel")


def url(source):
    return reverse("drafts:source-settings", args=[source.pk])


def test_the_projects_page_links_each_source_to_its_draft_settings(owner_client, source):
    page = owner_client.get(reverse("knowledge:projects")).content.decode()
    assert url(source) in page


def test_an_owner_turns_drafts_on_and_the_change_is_audited(owner_client, source, people):
    assert "<strong>off</strong>" in owner_client.get(url(source)).content.decode()

    response = owner_client.post(url(source), FORM, follow=True)

    row = DraftSettings.objects.get(source=source)
    assert (row.enabled, row.inbox_ids, row.tone, str(row.min_score), row.min_hits) == (
        True,
        [1, 4],
        "formal",
        "0.45",
        2,
    )
    assert "AI draft settings of Hotel saved." in response.content.decode()
    assert AuditEvent.objects.get(action="drafts.settings").actor == people.owner


def test_bad_input_is_a_400_naming_the_field_and_changes_nothing(owner_client, source):
    response = owner_client.post(url(source), {**FORM, "inbox_text": "front desk", "min_score": "3"})

    assert response.status_code == 400
    page = response.content.decode()
    assert "Inbox ids are whole numbers" in page and "less than or equal to 1" in page
    assert not DraftSettings.objects.filter(source=source, enabled=True).exists()


def test_an_agent_may_not_change_them(client, tenant, source):
    agent = MembershipFactory(tenant=tenant, role="agent").user
    client.force_login(agent)

    assert client.post(url(source), FORM).status_code == 403
    assert not DraftSettings.objects.filter(enabled=True).exists()


def test_another_tenants_source_is_not_found(owner_client, other_tenant):
    theirs = SourceFactory(tenant=other_tenant)
    assert owner_client.get(url(theirs)).status_code == 404


def test_staff_add_and_change_settings_in_the_admin_through_the_service(client, staff, source):
    client.force_login(staff)
    add = reverse("admin:drafts_draftsettings_add")

    response = client.post(add, {**FORM, "source": source.pk})
    assert response.status_code == 302, response.content.decode()[:2000]
    row = DraftSettings.objects.get(source=source)
    assert row.enabled and row.updated_by == staff.username

    change = reverse("admin:drafts_draftsettings_change", args=[row.pk])
    assert client.post(change, {**FORM, "enabled": "", "min_hits": "1"}).status_code == 302
    assert not DraftSettings.objects.get(pk=row.pk).enabled
    assert AuditEvent.objects.filter(action="drafts.settings").count() == 2
    assert "1 hit(s) at score" in client.get(reverse("admin:drafts_draftsettings_changelist")).content.decode()
