"""/api/v1/incidents/ for operator keys: the admin's services and refusals over HTTP."""

import pytest

from apps.incidents.models import Incident, Status
from tests.factories import StaffFactory
from tests.incidents.factories import at, make_incident, resolved

pytestmark = pytest.mark.django_db
BASE = "/api/v1/incidents/"


@pytest.fixture
def incident(staff, tenant):
    return make_incident(
        staff, title="Meta token expired", severity="sev1", codes=["META_TOKEN_EXPIRED"], tenants=[tenant]
    )


def post(api, incident, action, data=None):
    return api.post(f"{BASE}{incident.pk}/{action}/", data or {}, format="json")


def test_tenant_keys_and_anonymous_callers_are_refused(tenant_api, client, incident):
    assert tenant_api.get(BASE).status_code == 403
    assert tenant_api.post(f"{BASE}{incident.pk}/notes/", {"text": "hi"}, format="json").status_code == 403
    assert client.get(BASE).status_code in (401, 403)


def test_operators_list_and_filter_incidents(operator_api, staff, incident, tenant):
    other = make_incident(staff, title="Minor", severity="sev4", detection_method="ticket")
    resolved(other, staff, at(30))

    def titles(query=""):
        return [row["title"] for row in operator_api.get(f"{BASE}?{query}").json()["results"]]

    assert set(titles()) == {"Meta token expired", "Minor"}
    assert titles("severity=sev1") == ["Meta token expired"]
    assert titles("status=resolved") == ["Minor"]
    assert titles("open=true") == ["Meta token expired"]
    assert titles("tenant=alpha") == ["Meta token expired"]
    assert titles("detection_method=ticket") == ["Minor"]
    assert set(titles(f"owner={staff.username}")) == {"Meta token expired", "Minor"}
    row = operator_api.get(f"{BASE}?severity=sev1").json()["results"][0]
    assert row["tenants"] == ["alpha"] and row["owner"] == "oncall-1" and row["postmortem_overdue"] is False


def test_operators_open_an_incident(operator_api, tenant):
    response = operator_api.post(
        BASE,
        {
            "title": "Chatwoot down",
            "severity": "sev2",
            "codes": ["CHATWOOT_SYNC_FAILED"],
            "tenants": ["alpha"],
            "impact": "No support inbox",
        },
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["owner"] == "oncall-1" and body["tenants"] == ["alpha"]
    assert body["runbooks"][0]["slug"] == "chatwoot-sync"
    assert body["timeline"][0]["text"] == "Opened by hand: Chatwoot down"


def test_bad_input_names_the_field_and_writes_nothing(operator_api):
    response = operator_api.post(
        BASE, {"title": "", "severity": "sev9", "codes": ["NOPE"], "tenants": ["zzz"]}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()["fields"]) >= {"title", "severity", "codes[0]"}
    response = operator_api.post(BASE, {"title": "x", "severity": "sev2", "tenants": ["zzz"]}, format="json")
    assert response.json() == {
        "error": "invalid",
        "detail": "tenants: No tenant with the slug(s) zzz.",
        "fields": {"tenants": "No tenant with the slug(s) zzz."},
    }
    assert not Incident.objects.exists()


def test_the_api_refuses_to_close_a_sev1_without_a_postmortem(operator_api, staff, incident):
    assert post(operator_api, incident, "status", {"status": "resolved"}).status_code == 200

    refused = post(operator_api, incident, "status", {"status": "closed"})

    assert refused.status_code == 400
    assert refused.json() == {
        "error": "postmortem_required",
        "detail": (
            "A sev1 incident cannot be closed without a postmortem: write the postmortem (root cause, resolution "
            "steps, preventive actions) first."
        ),
    }
    assert Incident.objects.get(pk=incident.pk).status == Status.RESOLVED

    written = operator_api.put(
        f"{BASE}{incident.pk}/postmortem/",
        {"root_cause": "Token expired", "resolution_steps": "New token", "preventive_actions": "Alert"},
        format="json",
    )
    assert written.status_code == 200 and written.json()["postmortem"]["root_cause"] == "Token expired"
    closed = post(operator_api, incident, "status", {"status": "closed", "note": "postmortem done"})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"


def test_an_incomplete_postmortem_is_refused(operator_api, staff, incident):
    resolved(incident, staff, at(10))
    response = operator_api.put(
        f"{BASE}{incident.pk}/postmortem/",
        {"root_cause": " ", "resolution_steps": "x", "preventive_actions": "y"},
        format="json",
    )
    assert response.status_code == 400 and response.json()["fields"] == {"root_cause": "This field may not be blank."}


def test_owner_severity_acknowledge_note_and_follow_up(operator_api, incident):
    lead = StaffFactory(username="lead")
    assert post(operator_api, incident, "acknowledge").json()["acknowledged_at"]
    assert post(operator_api, incident, "acknowledge").json()["error"] == "already_acknowledged"
    assert post(operator_api, incident, "owner", {"owner": "lead"}).json()["owner"] == "lead"
    assert post(operator_api, incident, "owner", {"owner": "nobody-here"}).json()["fields"] == {
        "owner": "No active staff user 'nobody-here'."
    }
    assert post(operator_api, incident, "owner", {"owner": None}).json()["owner"] is None
    assert (
        post(operator_api, incident, "severity", {"severity": "sev2", "reason": "one tenant"}).json()["severity"]
        == "sev2"
    )
    note = post(operator_api, incident, "notes", {"text": "Meta confirms the token was revoked"})
    assert note.status_code == 201 and note.json()["kind"] == "note" and note.json()["author"] == "oncall-1"
    follow_up = post(
        operator_api,
        incident,
        "follow-ups",
        {"title": "Alert on token age", "assignee": "lead", "due_on": "2026-12-01"},
    )
    assert follow_up.status_code == 201
    assert follow_up.json()["follow_ups"] == [
        {
            "id": incident.follow_ups.get().pk,
            "title": "Alert on token age",
            "assignee": lead.username,
            "due_on": "2026-12-01",
            "done": False,
            "done_at": None,
        }
    ]


def test_mitigations_over_the_api(operator_api, incident, tenant, other_tenant):
    response = post(
        operator_api,
        incident,
        "mitigations",
        {"action": "tenant_ai_off", "tenant": "alpha", "reason": "guardrail spike"},
    )
    assert response.status_code == 201 and response.json()["kind"] == "switch"
    tenant.refresh_from_db()
    assert not tenant.is_ai_enabled
    assert (
        post(
            operator_api, incident, "mitigations", {"action": "tenant_ai_off", "tenant": "beta", "reason": "x"}
        ).status_code
        == 400
    )
    assert (
        post(operator_api, incident, "mitigations", {"action": "tenant_ai_off", "reason": "x"}).json()["error"]
        == "no_tenant"
    )


def test_the_detail_shows_the_whole_incident(operator_api, incident):
    body = operator_api.get(f"{BASE}{incident.pk}/").json()
    assert {
        "timeline",
        "follow_ups",
        "postmortem",
        "notifications",
        "evidence",
        "runbooks",
        "tickets",
        "duration_minutes",
        "public_update",
    } <= set(body)
    assert body["evidence"]["codes"][0]["code"] == "META_TOKEN_EXPIRED"
    assert operator_api.get(f"{BASE}999999/").status_code == 404


def test_invalid_transitions_are_refused_with_the_allowed_ones(operator_api, incident):
    response = post(operator_api, incident, "status", {"status": "closed"})
    assert response.json() == {
        "error": "invalid_transition",
        "detail": ("An incident that is detected cannot become closed; it can become triaged, mitigating, resolved."),
    }
