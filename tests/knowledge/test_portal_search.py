"""The portal's search and projects pages: a member searches the active project (kept in the
session), sees hits with their scores and Chatwoot links or a plain "nothing answers that", picks
another project, and never reaches another tenant's; owners and admins see the sources."""

import pytest
from django.test import Client

from apps.knowledge.projects import SESSION_KEY
from tests.factories import MembershipFactory
from tests.knowledge.search_fixtures import searchable_source

pytestmark = [pytest.mark.django_db, pytest.mark.services]
SEARCH, PROJECTS = "/dashboard/search/", "/dashboard/projects/"


def member(tenant, role="agent"):
    client = Client()
    client.force_login(MembershipFactory(tenant=tenant, role=role).user)
    return client


def test_the_search_page_offers_a_form_for_the_active_project(tenant, hotel):
    page = member(tenant).get(SEARCH)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'role="search"' in html and 'name="q"' in html and "Hotel" in html


def test_results_show_the_conversation_link_the_score_and_the_text(tenant, hotel):
    html = member(tenant).get(SEARCH, {"q": "wifi password"}).content.decode()
    assert "https://chat.alpha.test/app/accounts/7/conversations/105" in html
    assert "relevance" in html and "HotelGuest" in html


def test_a_query_nothing_answers_says_so(tenant, hotel):
    page = member(tenant, "viewer").get(SEARCH, {"q": "Do you rent bicycles?"})
    assert page.status_code == 200 and "Nothing in Hotel answers that" in page.content.decode()


@pytest.mark.parametrize("query", ["", "x" * 10_000])
def test_an_empty_or_huge_query_is_a_400_with_the_reason(tenant, hotel, query):
    page = member(tenant).get(SEARCH, {"q": query})
    assert page.status_code == 400
    assert "Type what you are looking for" in page.content.decode() or "under 500" in page.content.decode()


def test_picking_a_project_keeps_it_in_the_session_and_scopes_every_search(tenant, hotel):
    clinic = searchable_source(tenant, "clinic", ids=(109, 122)).project
    client = member(tenant)
    response = client.post(PROJECTS, {"project": "clinic"})
    assert response.status_code == 302 and response["Location"] == SEARCH
    assert client.session[SESSION_KEY] == clinic.pk
    assert "Nothing in Clinic answers that" in client.get(SEARCH, {"q": "HotelGuest wifi password"}).content.decode()
    assert "conversations/122" in client.get(SEARCH, {"q": "Unimed"}).content.decode()


def test_the_project_in_the_query_string_switches_the_active_one(tenant, hotel):
    clinic = searchable_source(tenant, "clinic", ids=(122,)).project
    client = member(tenant)
    assert "conversations/122" in client.get(SEARCH, {"project": "clinic", "q": "Unimed"}).content.decode()
    assert client.session[SESSION_KEY] == clinic.pk


def test_another_tenants_project_is_a_404_and_is_never_searched(tenant, hotel, other_tenant):
    searchable_source(other_tenant, "theirs", ids=(113,))
    client = member(tenant)
    page = client.get(SEARCH, {"project": "theirs", "q": "check-in antecipado"})
    assert page.status_code == 404 and "antecipado garantido" not in page.content.decode()
    assert client.post(PROJECTS, {"project": "theirs"}).status_code == 400
    assert client.session.get(SESSION_KEY) != other_tenant.knowledge_projects.get().pk


def test_owners_see_the_sources_and_agents_do_not(tenant, hotel):
    assert "Chatwoot sources" in member(tenant, "owner").get(PROJECTS).content.decode()
    page = member(tenant, "agent").get(PROJECTS).content.decode()
    assert "Chatwoot sources" not in page and "Hotel" in page


def test_a_tenant_without_projects_is_told_how_to_get_one(tenant):
    page = member(tenant).get(SEARCH)
    assert page.status_code == 200 and "no knowledge project yet" in page.content.decode()
