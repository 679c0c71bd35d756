"""The staff search page (/admin/knowledge-search/): staff with knowledge.view_chunk search any
tenant's project exactly as the tenant does; the page says when nothing answers and why a project
may find nothing (no ready chunks); people who are not staff never reach it."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from tests.factories import MembershipFactory, StaffFactory
from tests.knowledge.factories import ProjectFactory
from tests.knowledge.search_fixtures import searchable_source

pytestmark = [pytest.mark.django_db, pytest.mark.services]
URL = "/admin/knowledge-search/"


def staff_client(group="Read-only", **extra):
    user = StaffFactory(username=f"staff-{group or 'none'}", **extra)
    if group:
        user.groups.add(Group.objects.get(name=group))
    client = Client()
    client.force_login(user)
    return client


def test_read_only_staff_search_any_tenants_project(other_tenant):
    project = searchable_source(other_tenant, "their-clinic", ids=(109, 122)).project
    page = staff_client().get(URL, {"project": project.pk, "q": "Unimed", "limit": 3})
    html = page.content.decode()
    assert page.status_code == 200 and "conversations/122" in html
    assert "Beta Bots — Their-Clinic (their-clinic)" in html


def test_the_page_says_when_nothing_answers_and_that_no_chunk_is_ready(tenant):
    project = ProjectFactory(tenant=tenant, slug="empty")
    html = staff_client().get(URL, {"project": project.pk, "q": "parking"}).content.decode()
    assert "No answer" in html and "no ready chunks" in html


def test_bad_input_is_a_400_with_the_form_error(tenant):
    project = ProjectFactory(tenant=tenant, slug="empty")
    assert staff_client().get(URL, {"project": project.pk, "q": "x" * 10_000}).status_code == 400
    assert staff_client("Support agent").get(URL, {"project": 999999, "q": "parking"}).status_code == 400


def test_staff_without_the_permission_are_refused_and_tenants_sent_to_login(tenant):
    assert staff_client(group=None).get(URL).status_code == 403
    member = Client()
    member.force_login(MembershipFactory(tenant=tenant, role="owner").user)
    response = member.get(URL)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
