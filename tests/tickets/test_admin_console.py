"""Acceptance: the ticket page lists the tenant's events from the hour before the ticket, with
their codes. And the rest of the console: forms, queues, bulk actions, incident replies, reports."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.events.models import AuditEvent
from apps.incidents.models import Incident
from apps.incidents.services import link_ticket
from apps.tickets import services
from apps.tickets.models import Status, Ticket, TicketMessage
from tests.factories import StaffFactory, SystemEventFactory
from tests.tickets.factories import make_macro, make_ticket

pytestmark = pytest.mark.django_db


def page_url(ticket):
    return f"/admin/tickets/ticket/{ticket.pk}/change/"


def act(ticket, operation):
    return reverse("admin:tickets_ticket_act", args=[ticket.pk, operation])


def test_ticket_page_lists_the_tenants_events_from_the_hour_before(agent_client, tenant, other_tenant):
    now = timezone.now()
    SystemEventFactory(
        tenant=tenant, code="META_SEND_FAIL", message="recent-send-fail", occurred_at=now - timedelta(minutes=50)
    )
    SystemEventFactory(tenant=tenant, code="N8N_TIMEOUT", message="old-timeout", occurred_at=now - timedelta(hours=3))
    SystemEventFactory(
        tenant=other_tenant,
        code="META_TOKEN_EXPIRED",
        message="other-tenant-event",
        occurred_at=now - timedelta(minutes=10),
    )
    SystemEventFactory(
        tenant=tenant, code="PMS_SYNC_FAILED", message="after-the-ticket", occurred_at=now + timedelta(minutes=1)
    )
    ticket = make_ticket(tenant, now=now)
    page = agent_client.get(page_url(ticket)).content.decode()
    assert "META_SEND_FAIL" in page and "recent-send-fail" in page
    assert "PMS_SYNC_FAILED" in page
    assert "old-timeout" not in page and "N8N_TIMEOUT" not in page
    assert "other-tenant-event" not in page


def test_events_sharing_a_correlation_id_are_listed_even_from_long_ago(agent_client, tenant):
    from apps.core import context

    SystemEventFactory(
        tenant=tenant,
        code="N8N_TRIGGER_FAIL",
        message="same-request",
        correlation_id="req-abc-12345",
        occurred_at=timezone.now() - timedelta(days=2),
    )
    with context.bound(request_id="req-abc-12345"):
        ticket = make_ticket(tenant)
    page = agent_client.get(page_url(ticket)).content.decode()
    assert "N8N_TRIGGER_FAIL" in page and "(same as the ticket)" in page


def test_agent_links_a_correlated_event(agent_client, tenant, ticket, staff):
    event = SystemEventFactory(tenant=tenant, code="META_SEND_FAIL")
    response = agent_client.post(act(ticket, "link-event"), {"event": [event.pk]})
    assert response.status_code == 302
    assert list(ticket.events.all()) == [event]
    assert AuditEvent.objects.filter(action="ticket.events_linked", target_id=str(ticket.pk)).exists()
    assert event.tickets.get() == ticket


def test_another_tenants_event_cannot_be_linked(agent_client, other_tenant, ticket):
    event = SystemEventFactory(tenant=other_tenant)
    agent_client.post(act(ticket, "link-event"), {"event": [event.pk]})
    assert not ticket.events.exists()


def test_page_shows_conversation_in_order_with_internal_notes_marked(agent_client, ticket, staff):
    services.add_note(ticket, "note-two", actor=staff)
    services.reply(ticket, "reply-three", actor=staff)
    page = agent_client.get(page_url(ticket)).content.decode()
    assert page.index("Nothing goes out") < page.index("note-two") < page.index("reply-three")
    assert "internal note" in page


def test_reply_form_sends_a_public_reply_and_sets_pending(agent_client, ticket):
    agent_client.post(act(ticket, "reply"), {"body": "We restarted the session.", "visibility": "public", "status": ""})
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING
    assert ticket.messages.filter(visibility="public", author_kind="agent", body="We restarted the session.").exists()


def test_reply_form_with_a_chosen_status(agent_client, ticket):
    agent_client.post(act(ticket, "reply"), {"body": "Fixed.", "visibility": "public", "status": "solved"})
    ticket.refresh_from_db()
    assert ticket.status == Status.SOLVED


def test_note_form_changes_no_status(agent_client, ticket):
    agent_client.post(act(ticket, "reply"), {"body": "Looks like a ban.", "visibility": "internal", "status": ""})
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW and ticket.first_response_at is None
    assert ticket.messages.filter(visibility="internal").count() == 1


def test_empty_reply_is_refused_with_a_message(agent_client, ticket):
    response = agent_client.post(act(ticket, "reply"), {"body": "", "visibility": "public"}, follow=True)
    assert "Body: This field is required." in response.content.decode()
    assert ticket.messages.count() == 1


def test_properties_form_changes_status_priority_assignee_and_tags(agent_client, ticket, staff):
    agent = StaffFactory(username="agent-7", email="agent7@opsdesk.test")
    agent_client.post(
        act(ticket, "update"),
        {"status": "open", "priority": "urgent", "assignee": agent.pk, "tags": "whatsapp, Billing"},
    )
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority, ticket.assignee) == ("open", "urgent", agent)
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["billing", "whatsapp"]
    actions = set(AuditEvent.objects.filter(target_id=str(ticket.pk)).values_list("action", flat=True))
    assert {"ticket.status_changed", "ticket.priority_changed", "ticket.assigned"} <= actions


def test_macro_fills_placeholders(agent_client, ticket, tenant):
    macro = make_macro()
    agent_client.post(act(ticket, "macro"), {"macro": macro.pk})
    reply = ticket.messages.filter(author_kind="agent").get()
    assert reply.body == f"Hi Guest Contact, we are on ticket {ticket.pk} for {tenant.name}."


def test_macro_with_unknown_placeholder_is_refused_on_save():
    from django.core.exceptions import ValidationError

    from apps.tickets.models import Macro

    with pytest.raises(ValidationError, match="customer"):
        Macro(name="bad", body="Hi {customer}").full_clean()


def test_tenant_context_and_open_incidents(agent_client, tenant, ticket):
    incident = Incident.objects.create(title="WAHA down for Alpha")
    incident.affected_tenants.add(tenant)
    page = agent_client.get(page_url(ticket)).content.decode()
    assert tenant.plan.name in page and "Messages this month" in page
    assert "WAHA down for Alpha" in page
    agent_client.post(act(ticket, "link-incident"), {"incident": incident.pk})
    ticket.refresh_from_db()
    assert ticket.incident == incident and list(incident.tickets.all()) == [ticket]


def test_viewer_without_change_permission_cannot_post(client, ticket):
    viewer = StaffFactory(username="viewer-1")
    client.force_login(viewer)
    assert client.post(act(ticket, "reply"), {"body": "x", "visibility": "public"}).status_code == 403


def test_admin_tickets_lands_on_the_list(agent_client, ticket):
    response = agent_client.get("/admin/tickets/", follow=True)
    assert response.redirect_chain[-1][0] == "/admin/tickets/ticket/"
    assert "Messages stuck" in response.content.decode()


def test_queues_mine_and_unassigned(agent_client, tenant, staff):
    mine = make_ticket(tenant, subject="mine-ticket")
    services.assign(mine, staff, actor=staff)
    make_ticket(tenant, subject="nobodys-ticket")
    page = agent_client.get("/admin/tickets/ticket/", {"queue": "mine"}).content.decode()
    assert "mine-ticket" in page and "nobodys-ticket" not in page
    page = agent_client.get("/admin/tickets/ticket/", {"queue": "unassigned"}).content.decode()
    assert "nobodys-ticket" in page and "mine-ticket" not in page


def test_filters_by_tenant_priority_status_and_tag(agent_client, tenant, other_tenant, staff):
    tagged = make_ticket(tenant, subject="tagged-one", priority="low", tags=["pms"])
    make_ticket(other_tenant, subject="beta-one")
    tag = tagged.tags.get()
    for params in (
        {"tenant__id__exact": tenant.pk},
        {"priority__exact": "low"},
        {"status__exact": "new"},
        {"tags__id__exact": tag.pk},
    ):
        page = agent_client.get("/admin/tickets/ticket/", params).content.decode()
        assert "tagged-one" in page, params
    page = agent_client.get("/admin/tickets/ticket/", {"tags__id__exact": tag.pk}).content.decode()
    assert "beta-one" not in page


def test_bulk_set_status_asks_for_confirmation_first(agent_client, tenant):
    tickets = [make_ticket(tenant, subject=f"bulk-{i}") for i in range(2)]
    data = {"action": "set_status_of_selected_tickets", "_selected_action": [t.pk for t in tickets]}
    response = agent_client.post("/admin/tickets/ticket/", data)
    assert response.status_code == 200 and "Yes, do it" in response.content.decode()
    assert Ticket.objects.filter(status="solved").count() == 0
    agent_client.post("/admin/tickets/ticket/", {**data, "confirm": "yes", "status": "solved"})
    assert Ticket.objects.filter(status="solved").count() == 2


def test_bulk_assign_and_link_to_incident(agent_client, tenant, staff):
    tickets = [make_ticket(tenant, subject=f"bulk-{i}") for i in range(2)]
    ids = [t.pk for t in tickets]
    agent_client.post(
        "/admin/tickets/ticket/",
        {"action": "assign_selected_tickets", "_selected_action": ids, "confirm": "yes", "assignee": staff.pk},
    )
    assert Ticket.objects.filter(assignee=staff).count() == 2
    incident = Incident.objects.create(title="Meta outage")
    agent_client.post(
        "/admin/tickets/ticket/",
        {
            "action": "link_selected_tickets_to_an_incident",
            "_selected_action": ids,
            "confirm": "yes",
            "incident": incident.pk,
        },
    )
    assert incident.tickets.count() == 2
    assert incident.affected_tenants.filter(pk=tenant.pk).exists()


def test_one_reply_to_every_ticket_of_an_incident(agent_client, tenant, other_tenant, staff):
    incident = Incident.objects.create(title="Meta outage")
    linked = [make_ticket(tenant), make_ticket(other_tenant)]
    closed = make_ticket(tenant)
    for ticket in [*linked, closed]:
        link_ticket(incident, ticket, actor=staff)
    services.change_status(closed, Status.CLOSED, actor=staff)
    url = reverse("admin:tickets_reply_to_incident", args=[incident.pk])
    assert "Send to every ticket" in agent_client.get(url).content.decode()
    agent_client.post(url, {"body": "Meta is back; messages are flowing again.", "status": "solved"})
    for ticket in linked:
        ticket.refresh_from_db()
        assert ticket.status == Status.SOLVED
        assert ticket.messages.filter(body__startswith="Meta is back").count() == 1
    assert not TicketMessage.objects.filter(ticket=closed, body__startswith="Meta is back").exists()
    assert AuditEvent.objects.filter(action="incident.tickets_replied", target_id=str(incident.pk)).exists()


def test_add_view_opens_a_ticket_through_the_service(agent_client, tenant):
    response = agent_client.post(
        "/admin/tickets/ticket/add/",
        {
            "tenant": tenant.pk,
            "subject": "Phoned in",
            "body": "Guest says bot is down",
            "priority": "urgent",
            "channel": "email",
            "requester_email": "guest@hotel.test",
        },
    )
    ticket = Ticket.objects.get(subject="Phoned in")
    assert response.status_code == 302 and ticket.first_response_due_at is not None
    assert ticket.requester_email == "guest@hotel.test"


def test_add_view_requires_a_requester(agent_client, tenant):
    response = agent_client.post(
        "/admin/tickets/ticket/add/",
        {"tenant": tenant.pk, "subject": "No one", "body": "x", "priority": "low", "channel": "email"},
    )
    assert "requester" in response.content.decode() and not Ticket.objects.exists()


def test_reports_page_and_csv(agent_client, tenant, staff):
    from apps.tickets.models import SlaPolicy
    from tests.tickets.factories import MONDAY_10_BERLIN

    SlaPolicy.objects.filter(plan=None).update(business_hours=False)
    now = timezone.now()
    first = make_ticket(tenant, priority="urgent", now=now - timedelta(hours=3))
    services.reply(first, "on it", actor=staff, now=now - timedelta(hours=2))
    make_ticket(tenant, priority="low", now=MONDAY_10_BERLIN)
    page = agent_client.get("/admin/tickets/ticket/reports/").content.decode()
    assert "<svg" in page and "By priority" in page and "urgent" in page
    response = agent_client.get("/admin/tickets/ticket/reports.csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    urgent = next(row for row in rows if row["dimension"] == "priority" and row["group"] == "urgent")
    assert urgent["first_responses"] == "1" and float(urgent["first_response_median"]) > 0
    assert any(row["dimension"] == "tenant" and row["group"] == tenant.name for row in rows)
