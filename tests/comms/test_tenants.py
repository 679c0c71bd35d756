"""Affected tenants: when an incident that affects them opens, changes its public update or
resolves, their owners get an e-mail and their portal shows a notice (from the editable
templates); another tenant sees nothing; a tenant that joins later gets the notices from then on."""

import pytest
from django.test import Client

from apps.comms.models import Delivery, NoticeTemplate, TenantNotice
from apps.incidents import services
from apps.incidents.models import Status
from tests.comms.conftest import sent_to
from tests.factories import MembershipFactory, TenantFactory
from tests.incidents.factories import make_incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(staff, tenant, people, committed):
    with committed():
        return make_incident(staff, title="WhatsApp sends failing", tenants=[tenant])


def test_owners_get_an_email_at_each_step_and_members_do_not(staff, people, incident, committed):
    with committed():
        services.update_details(incident, actor=staff, public_update="Meta is slow; messages queue.")
    with committed():
        services.change_status(incident, Status.RESOLVED, actor=staff)

    opened, updated, resolved = sent_to("owner@alpha.test")
    assert opened.subject == "[Opsdesk] Partial outage affecting Alpha Rooms: WhatsApp sends failing"
    assert "Started 2026-11-23 09:00 UTC" in opened.body
    assert updated.subject == "[Opsdesk] Update: WhatsApp sends failing (Detected)"
    assert "Meta is slow; messages queue." in updated.body
    assert resolved.subject == "[Opsdesk] Resolved: WhatsApp sends failing" and "resolved 20" in resolved.body
    assert not sent_to("member@alpha.test") and not sent_to("owner@beta.test")


def test_the_portal_shows_the_notice_to_the_tenant_only(staff, people, incident, committed):
    with committed():
        services.update_details(incident, actor=staff, public_update="Meta is slow; messages queue.")
    alpha = Client()
    alpha.force_login(people.member)
    dashboard = alpha.get("/dashboard/").content.decode()
    assert "Update on WhatsApp sends failing (Detected): Meta is slow; messages queue." in dashboard
    notices = alpha.get("/dashboard/notices/").content.decode()
    assert "Partial outage: WhatsApp sends failing" in notices and "Meta is slow" in notices

    beta = Client()
    beta.force_login(people.stranger)
    for path in ("/dashboard/", "/dashboard/notices/"):
        page = beta.get(path).content.decode()
        assert "WhatsApp sends failing" not in page and "Meta is slow" not in page
    assert TenantNotice.objects.for_tenant(incident.affected_tenants.get()).count() == 2


def test_the_banner_goes_when_the_incident_resolves(staff, people, incident, committed, client):
    with committed():
        services.change_status(incident, Status.RESOLVED, actor=staff)
    client.force_login(people.owner)
    assert "WhatsApp sends failing" not in client.get("/dashboard/").content.decode()
    assert "Resolved: WhatsApp sends failing" in client.get("/dashboard/notices/").content.decode()


def test_a_tenant_joining_later_gets_the_opened_notice_then_the_rest(staff, incident, committed):
    late = TenantFactory(name="Gamma Guests", slug="gamma")
    MembershipFactory(tenant=late, role="owner", user__username="owner@gamma.test")
    with committed():
        services.attach(incident, tenant_ids=[late.pk])
    with committed():
        services.attach(incident, tenant_ids=[late.pk])  # already affected: nothing new
        services.update_details(incident, actor=staff, public_update="Still on it.")
    assert [message.subject.split(":")[0] for message in sent_to("owner@gamma.test")] == [
        "[Opsdesk] Partial outage affecting Gamma Guests",
        "[Opsdesk] Update",
    ]
    assert incident.timeline.filter(text__startswith="Stakeholders told (tenants joined)").count() == 1


def test_the_emails_come_from_the_edited_template(staff, tenant, people, committed):
    NoticeTemplate.objects.filter(kind="opened").update(subject="Heads up {tenant_name}: {impact} since {started_at}")
    with committed():
        make_incident(staff, tenants=[tenant])
    [message] = sent_to("owner@alpha.test")
    assert message.subject == "Heads up Alpha Rooms: Partial outage since 2026-11-23 09:00 UTC"
    assert Delivery.objects.get(recipient="owner@alpha.test").tenant == tenant


def test_a_failure_in_comms_never_fails_the_incidents_change(staff, tenant, people, committed):
    NoticeTemplate.objects.filter(kind="opened").update(subject="{written_past_the_admin")  # not possible there
    with committed():
        incident = make_incident(staff, tenants=[tenant])
    assert incident.pk and not sent_to("owner@alpha.test")
    assert not TenantNotice.objects.exists()  # the announcement is one transaction: nothing half-written
