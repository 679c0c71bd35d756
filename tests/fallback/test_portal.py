"""The tenant portal: members see a banner while manual mode is on; owners and admins edit the notice
text and the fallback e-mail; another tenant's state never shows."""

import pytest
from django.test import Client

from apps.events.models import AuditEvent
from apps.fallback import services as fallback
from apps.tenants.models import Tenant

pytestmark = pytest.mark.django_db


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_banner_shows_while_manual_mode_is_on_and_only_to_that_tenant(tenant, people, staff):
    owner, stranger = logged_in(people.owner), logged_in(people.stranger)
    assert b"manual-mode-banner" not in owner.get("/dashboard/").content

    fallback.turn_on(tenant, actor=staff, reason="Chatwoot down")

    page = owner.get("/dashboard/").content.decode()
    assert "manual-mode-banner" in page and "Manual mode is on for this account" in page
    assert b"manual-mode-banner" not in stranger.get("/dashboard/").content


def test_an_owner_edits_the_notice_and_the_fallback_email(tenant, people):
    owner = logged_in(people.owner)
    response = owner.post(
        "/dashboard/manual-mode/texts/", {"notice": " A person answers today. ", "fallback_email": "Help@Alpha.test"}
    )
    assert response.status_code == 302
    saved = Tenant.objects.get(pk=tenant.pk)
    assert (saved.manual_mode_notice, saved.fallback_email) == ("A person answers today.", "help@alpha.test")
    audit = AuditEvent.objects.get(action="tenant.manual_mode_texts_changed")
    assert audit.actor == people.owner and audit.after["fallback_email"] == "help@alpha.test"
    page = owner.get("/dashboard/manual-mode/").content.decode()
    assert "A person answers today. You can also write to us at help@alpha.test." in page


def test_a_bad_address_is_a_form_error_and_changes_nothing(tenant, people):
    response = logged_in(people.owner).post(
        "/dashboard/manual-mode/texts/", {"notice": "Hi", "fallback_email": "not-an-address"}
    )
    assert response.status_code == 400 and b"valid email" in response.content
    assert Tenant.objects.get(pk=tenant.pk).manual_mode_notice == ""


def test_an_agent_reads_the_page_but_may_not_edit(tenant, people):
    agent = logged_in(people.member)
    page = agent.get("/dashboard/manual-mode/")
    assert page.status_code == 200 and b"An owner or an admin can change" in page.content
    assert agent.post("/dashboard/manual-mode/texts/", {"notice": "x"}).status_code == 403
