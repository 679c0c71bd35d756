import pytest

from apps.tickets import services
from apps.tickets.models import Status, Ticket, TicketMessage
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db
URL = "/api/v1/tickets/"


def test_tenant_key_opens_a_ticket(tenant_api, tenant):
    response = tenant_api.post(
        URL,
        {"subject": "Webhook 401", "body": "Since 9:00", "priority": "high"},
        format="json",
        HTTP_X_REQUEST_ID="req-ticket-42",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    ticket = Ticket.objects.get(pk=body["id"])
    assert (ticket.tenant, ticket.priority, ticket.channel, ticket.status) == (tenant, "high", "api", "new")
    assert ticket.correlation_id == "req-ticket-42"
    assert ticket.requester_name == "API key tests"
    assert body["messages"][0]["body"] == "Since 9:00"


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"body": "x", "priority": "high"}, "subject"),
        ({"subject": "x", "priority": "high"}, "body"),
        ({"subject": "x", "body": "y", "priority": "asap"}, "priority"),
        ({"subject": "", "body": "y"}, "subject"),
        ({"subject": "x", "body": "y", "requester_email": "not-an-email"}, "requester_email"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_writes_nothing(tenant_api, payload, field):
    response = tenant_api.post(URL, payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid" and field in body["fields"], body
    assert not Ticket.objects.exists()


def test_list_and_detail_reach_only_the_keys_tenant(tenant_api, tenant, other_tenant):
    mine = make_ticket(tenant, subject="ours")
    theirs = make_ticket(other_tenant, subject="theirs")
    listed = tenant_api.get(URL).json()["results"]
    assert [row["id"] for row in listed] == [mine.pk]
    assert tenant_api.get(f"{URL}{theirs.pk}/").status_code == 404
    assert tenant_api.post(f"{URL}{theirs.pk}/reply/", {"body": "x"}, format="json").status_code == 404
    assert not TicketMessage.objects.filter(ticket=theirs, body="x").exists()


def test_detail_shows_public_messages_only(tenant_api, tenant, staff):
    ticket = make_ticket(tenant)
    services.add_note(ticket, "secret internal note", actor=staff)
    services.reply(ticket, "public answer", actor=staff)
    body = tenant_api.get(f"{URL}{ticket.pk}/").json()
    bodies = [message["body"] for message in body["messages"]]
    assert "public answer" in bodies and "secret internal note" not in bodies
    assert "visibility" not in body["messages"][0]


def test_tenant_reply_reopens_a_pending_ticket(tenant_api, tenant, staff):
    ticket = make_ticket(tenant)
    services.reply(ticket, "Please try again", actor=staff)
    response = tenant_api.post(f"{URL}{ticket.pk}/reply/", {"body": "Tried, still failing"}, format="json")
    assert response.status_code == 201
    assert response.json()["status"] == Status.OPEN
    assert ticket.messages.last().author_kind == "requester"


def test_reply_without_body_is_a_400(tenant_api, tenant):
    ticket = make_ticket(tenant)
    response = tenant_api.post(f"{URL}{ticket.pk}/reply/", {}, format="json")
    assert response.status_code == 400 and "body" in response.json()["fields"]


def test_status_filter(tenant_api, tenant, staff):
    make_ticket(tenant, subject="new-one")
    solved = make_ticket(tenant, subject="solved-one")
    services.change_status(solved, Status.SOLVED, actor=staff)
    listed = tenant_api.get(URL, {"status": "solved"}).json()["results"]
    assert [row["subject"] for row in listed] == ["solved-one"]


def test_operator_key_sees_every_tenant_and_internal_notes(operator_api, tenant, other_tenant, staff):
    ticket = make_ticket(tenant)
    make_ticket(other_tenant)
    services.add_note(ticket, "internal-only", actor=staff)
    assert len(operator_api.get(URL).json()["results"]) == 2
    assert len(operator_api.get(URL, {"tenant": tenant.slug}).json()["results"]) == 1
    detail = operator_api.get(f"{URL}{ticket.pk}/").json()
    assert any(m["visibility"] == "internal" for m in detail["messages"])


def test_operator_replies_as_agent_and_opens_for_a_named_tenant(operator_api, tenant):
    ticket = make_ticket(tenant)
    response = operator_api.post(f"{URL}{ticket.pk}/reply/", {"body": "We are on it", "status": "open"}, format="json")
    assert response.status_code == 201 and response.json()["status"] == "open"
    assert ticket.messages.last().author_kind == "agent"
    missing = operator_api.post(URL, {"subject": "s", "body": "b", "requester_email": "a@b.test"}, format="json")
    assert missing.status_code == 400 and "tenant" in missing.json()["fields"]
    created = operator_api.post(
        URL, {"subject": "s", "body": "b", "tenant": tenant.slug, "requester_email": "a@b.test"}, format="json"
    )
    assert created.status_code == 201 and created.json()["tenant"] == tenant.slug


def test_member_session_opens_a_ticket_as_requester(owner_client, people, tenant):
    response = owner_client.post(URL, {"subject": "From session", "body": "hello"}, content_type="application/json")
    assert response.status_code == 201
    assert Ticket.objects.get(subject="From session").requester_user == people.owner


def test_anonymous_is_refused(client):
    assert client.get(URL).status_code in (401, 403)
