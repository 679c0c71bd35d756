"""The admin incident console: what it shows and what each of its forms does (through the
services, refusals shown as messages)."""

import pytest
from django.contrib.messages import get_messages

from apps.incidents.models import EmergencyContact, Incident, OnCallEntry, Status
from apps.tenants.models import Tenant
from tests.factories import StaffFactory, SystemEventFactory
from tests.incidents.factories import at, make_incident, resolved
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/incidents/incident/"


@pytest.fixture
def incident(admin_user, tenant):
    return make_incident(
        admin_user, title="Meta token expired", severity="sev1", codes=["META_TOKEN_EXPIRED"], tenants=[tenant]
    )


def console(incident):
    return f"{CHANGELIST}{incident.pk}/change/"


def act(admin_client, incident, operation, **data):
    response = admin_client.post(f"{CHANGELIST}{incident.pk}/act/{operation}/", data, follow=True)
    return [str(message) for message in get_messages(response.wsgi_request)] or response.context


def test_the_console_shows_everything_the_on_call_engineer_needs(admin_client, incident, tenant):
    event = SystemEventFactory(tenant=tenant, code="META_TOKEN_EXPIRED", message="Token 190 for +49 30")
    event.incident = incident
    event.save()
    ticket = make_ticket(tenant, subject="No confirmations")
    ticket.incident = incident
    ticket.save()

    page = admin_client.get(console(incident)).content.decode()

    for expected in (
        "Summary",
        "sev1 — production outage",
        "Timeline",
        "Opened by hand: Meta token expired",
        f"/admin/events/systemevent/{event.pk}/change/",
        "Token 190 for +49 30",
        f"/admin/events/systemevent/?incident__id__exact={incident.pk}",
        f"#{ticket.pk} No confirmations",
        "WhatsApp outbound fails",
        "connection_meta_token",
        "Run checks",
        "Kill switches",
        "Apply to Alpha Rooms",
        "Add note",
        "Change status",
        "Set owner",
        "Change severity",
        "Add follow-up",
        "Write postmortem",
        "Error rate",
        "required to close a sev1",
    ):
        assert expected in page, expected


def test_the_admin_refuses_to_close_a_sev1_without_a_postmortem(admin_client, admin_user, incident):
    resolved(incident, admin_user, at(20))

    messages = act(admin_client, incident, "status", status="closed")

    assert messages == [
        "A sev1 incident cannot be closed without a postmortem: write the postmortem (root cause, "
        "resolution steps, preventive actions) first."
    ]
    assert Incident.objects.get(pk=incident.pk).status == Status.RESOLVED


def test_with_a_postmortem_the_admin_closes_it(admin_client, admin_user, incident):
    resolved(incident, admin_user, at(20))
    assert act(
        admin_client,
        incident,
        "postmortem",
        root_cause="Token expired",
        resolution_steps="New token",
        preventive_actions="Token age alert",
    ) == ["Postmortem saved."]
    assert act(admin_client, incident, "status", status="closed") == ["Status changed to closed."]
    assert Incident.objects.get(pk=incident.pk).status == Status.CLOSED
    assert "Token age alert" in admin_client.get(console(incident)).content.decode()


def test_the_forms_write_through_the_services(admin_client, admin_user, incident):
    other = StaffFactory(username="lead")
    assert act(admin_client, incident, "acknowledge")[0].startswith("Acknowledged")
    assert act(admin_client, incident, "note", text="Meta says token revoked") == ["Note added to the timeline."]
    assert act(admin_client, incident, "owner", owner=other.pk) == ["Owner is now lead."]
    assert act(admin_client, incident, "severity", severity="sev2", reason="one tenant") == [
        "Severity changed to sev2."
    ]
    assert act(
        admin_client,
        incident,
        "details",
        title="Meta token expired (Alpha)",
        impact="No sends",
        root_cause_hypothesis="",
        public_update="Messaging delays for some customers",
        affected_conversations=12,
        sla_breaches=0,
    ) == ["Details saved."]
    assert act(
        admin_client, incident, "follow-up", title="Token age alert", assignee=other.pk, due_on="2026-12-01"
    ) == ["Follow-up 'Token age alert' added."]
    task = incident.follow_ups.get()
    assert act(admin_client, incident, "follow-up-done", follow_up=task.pk) == ["Follow-up 'Token age alert' done."]

    incident.refresh_from_db()
    assert (incident.owner, incident.severity, incident.affected_conversations) == (other, "sev2", 12)
    assert incident.public_update == "Messaging delays for some customers"
    assert incident.timeline.filter(kind="note", author=admin_user, text="Meta says token revoked").exists()


def test_a_bad_form_says_what_is_wrong(admin_client, incident):
    assert act(admin_client, incident, "note", text="") == ["text: This field is required."]
    assert act(admin_client, incident, "status", status="triaged")  # a valid move
    assert act(admin_client, incident, "status", status="detected") == [
        "An incident that is triaged cannot become detected; it can become mitigating, resolved."
    ]


def test_kill_switches_from_the_console(admin_client, incident, tenant, other_tenant):
    assert act(
        admin_client, incident, "tenant-switch", tenant=tenant.pk, action="tenant_whatsapp_off", reason="ban suspected"
    ) == ["Switch WhatsApp off for Alpha Rooms: done and audited."]
    assert not Tenant.objects.get(pk=tenant.pk).is_whatsapp_enabled
    assert act(
        admin_client, incident, "tenant-switch", tenant=other_tenant.pk, action="tenant_suspend", reason="x"
    ) == ["Beta Bots is neither affected by this incident nor about it; switch it from the tenant's own page."]
    assert Tenant.objects.get(pk=other_tenant.pk).is_active
    assert act(admin_client, incident, "global-switch", action="global_whatsapp_off", reason="") == [
        "reason: This field is required."
    ]
    assert act(admin_client, incident, "global-switch", action="global_whatsapp_off", reason="Redis down") == [
        "Switch WhatsApp off for every tenant: done and audited."
    ]
    page = admin_client.get(console(incident)).content.decode()
    assert "Switch WhatsApp off for Alpha Rooms: ban suspected" in page and "WhatsApp OFF" in page


def test_a_ticket_is_linked_from_the_console(admin_client, incident, other_tenant):
    ticket = make_ticket(other_tenant)
    assert act(admin_client, incident, "link-ticket", ticket=ticket.pk) == [f"Ticket #{ticket.pk} linked."]
    assert act(admin_client, incident, "link-ticket", ticket=999999) == ["There is no ticket #999999."]
    assert other_tenant in incident.affected_tenants.all()


def test_unknown_operations_and_ids_are_404(admin_client, incident):
    assert admin_client.post(f"{CHANGELIST}{incident.pk}/act/explode/").status_code == 404
    assert admin_client.get(f"{CHANGELIST}999999/change/").status_code == 404


def test_staff_without_incident_permissions_are_refused(client, incident):
    client.force_login(StaffFactory(username="intern"))
    assert client.get(console(incident)).status_code == 403
    assert client.post(f"{CHANGELIST}{incident.pk}/act/note/", {"text": "hi"}).status_code == 403
    assert not incident.timeline.filter(kind="note").exists()


def test_the_list_filters_by_severity_status_owner_detection_and_queue(admin_client, admin_user, incident):
    other = make_incident(admin_user, title="Partial glitch", severity="sev2", detection_method="ticket")
    resolved(other, admin_user, at(-60 * 30))
    for query, shown, hidden in [
        ("severity__exact=sev1", incident, other),
        ("status__exact=resolved", other, incident),
        ("detection_method__exact=ticket", other, incident),
        (f"owner__id__exact={admin_user.pk}&queue=open", incident, other),
        ("queue=postmortem_overdue", other, incident),
        ("status__in=detected,triaged,mitigating", incident, other),
    ]:
        page = admin_client.get(f"{CHANGELIST}?{query}").content.decode()
        assert shown.title in page and hidden.title not in page, query


def test_an_incident_is_opened_by_hand_from_the_admin(admin_client, tenant):
    response = admin_client.post(
        f"{CHANGELIST}add/",
        {"title": "Chatwoot offline", "severity": "sev2", "codes": ["CHATWOOT_SYNC_FAILED"], "tenants": [tenant.pk]},
    )
    incident = Incident.objects.get(title="Chatwoot offline")
    assert response.status_code == 302 and response.url == console(incident)
    assert list(incident.affected_tenants.all()) == [tenant]


def test_the_roster_keeps_the_slack_webhook_secret(admin_client):
    url = "https://hooks.slack.com/services/T1/B2/SECRETsecret"
    response = admin_client.post(
        "/admin/incidents/oncallentry/add/",
        {
            "level": 1,
            "name": "Olga",
            "email": "olga@ops.test",
            "starts_at_0": "2026-11-01",
            "starts_at_1": "00:00",
            "slack_webhook_url": url,
        },
    )
    assert response.status_code == 302
    entry = OnCallEntry.objects.get()
    assert entry.slack_webhook_url == url and "SECRET" not in entry.slack_webhook_encrypted
    page = admin_client.get(f"/admin/incidents/oncallentry/{entry.pk}/change/").content.decode()
    listing = admin_client.get("/admin/incidents/oncallentry/").content.decode()
    assert "SECRETsecret" not in page and "SECRETsecret" not in listing and "hooks.slack.com" in listing


def test_emergency_contacts_and_policies_are_admin_pages(admin_client):
    EmergencyContact.objects.create(role="CTO", name="Carla", phone="+49 30 1")
    assert "Carla" in admin_client.get("/admin/incidents/emergencycontact/").content.decode()
    assert "sev1" in admin_client.get("/admin/incidents/escalationpolicy/").content.decode()
    assert admin_client.get("/admin/incidents/notification/").status_code == 200
