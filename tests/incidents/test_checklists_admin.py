"""The checklists on the incident console (each item's state, detail, last run in UTC, a gate's
countdown; Run checklist, tick and untick as POST forms), the status form's refusal and its
"override with reason", the API's refusal, and the runbook admin's checklist inline."""

import json

import pytest
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages

from apps.events.models import AuditEvent
from apps.incidents.models import ChecklistItem, Incident, IncidentChecklistItem, Runbook, Status
from apps.incidents.services import checklists
from apps.incidents.services.detection import open_or_join
from tests.factories import StaffFactory
from tests.fakes import serving
from tests.fakes.chatwoot import FakeChatwoot
from tests.knowledge.factories import chatwoot_connection

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/incidents/incident/"
chatwoot = serving(FakeChatwoot)


@pytest.fixture
def outage(chatwoot, tenant):
    chatwoot_connection(chatwoot, tenant, name="Alpha Chatwoot")
    chatwoot.down()
    incident, _ = open_or_join(
        "health:chatwoot-test",
        title="Chatwoot down",
        codes=["HEALTH_CHECK_FAILED"],
        tenant_ids=[tenant.pk],
        severity="sev1",
        detection_method="health_monitor",
        runbook="chatwoot-down",
    )
    return incident


def console(incident):
    return f"{CHANGELIST}{incident.pk}/change/"


def act(client, incident, operation, **data):
    response = client.post(f"{CHANGELIST}{incident.pk}/act/{operation}/", data, follow=True)
    return [str(message) for message in get_messages(response.wsgi_request)]


def row(incident, check):
    return IncidentChecklistItem.objects.get(incident=incident, item__check_name=check)


def test_the_console_shows_the_checklists_with_their_states(admin_client, outage):
    page = admin_client.get(console(outage)).content.decode()

    for expected in (
        "Checklists",
        "Restore automation",
        "Post-outage verification",
        "Chatwoot /rails/health answers 200",
        "Every health check green for 15 minutes or more",
        "SLA adherence for the affected period reviewed",
        "/admin/tickets/ticket/reports/?start=",
        "Run checklist",
        "Cannot be resolved until “Restore automation” is done",
        "Override with reason",
    ):
        assert expected in page, expected


def test_run_checklist_from_the_console_records_results_with_utc_times(admin_client, admin_user, outage):
    messages = act(admin_client, outage, "checklist-run")

    assert messages[0].startswith("Checklist run: ") and messages[0].endswith("The results are on the timeline.")
    health = row(outage, "chatwoot_health")
    assert health.state == "failed" and health.last_run_at is not None
    page = admin_client.get(console(outage)).content.decode()
    assert "/rails/health answered HTTP 500" in page
    assert "UTC" in page
    assert AuditEvent.objects.filter(action="incident.checklist_run", actor=admin_user).exists()


def test_tick_and_untick_buttons(admin_client, admin_user, outage):
    checklists.states(outage)
    item = row(outage, "team_notified")

    assert act(admin_client, outage, "checklist-tick", item=item.pk, note="Phoned the team") == [
        "Ticked: The team is notified."
    ]
    item.refresh_from_db()
    assert (item.state, item.ticked_by) == ("ticked", admin_user)
    page = admin_client.get(console(outage)).content.decode()
    assert "by admin at" in page and "Untick" in page

    assert act(admin_client, outage, "checklist-untick", item=item.pk) == ["Unticked: The team is notified."]
    item.refresh_from_db()
    assert item.state == "pending" and item.ticked_by is None


def test_an_automatic_item_has_no_tick_and_a_forged_tick_is_refused(admin_client, outage):
    checklists.states(outage)
    item = row(outage, "chatwoot_health")
    assert act(admin_client, outage, "checklist-tick", item=item.pk)[0].startswith(
        "'Chatwoot /rails/health answers 200' runs by itself and cannot be ticked by hand"
    )
    assert row(outage, "chatwoot_health").state == "pending"


def test_another_incidents_item_is_404(admin_client, outage, tenant):
    other, _ = open_or_join(
        "health:other", title="Other", codes=["HEALTH_CHECK_FAILED"], severity="sev1", runbook="chatwoot-down"
    )
    checklists.states(other)
    foreign = row(other, "team_notified")
    response = admin_client.post(f"{CHANGELIST}{outage.pk}/act/checklist-tick/", {"item": foreign.pk})
    assert response.status_code == 404


def test_the_status_form_shows_the_refusal_and_overrides_with_a_reason(admin_client, admin_user, outage):
    refused = act(admin_client, outage, "status", status="resolved")

    assert refused[0].startswith(
        "A sev1 incident cannot be resolved until its restore automation checklist is done; not yet: "
        "Chatwoot /rails/health answers 200 (not run yet);"
    )
    assert Incident.objects.get(pk=outage.pk).status == Status.DETECTED

    done = act(admin_client, outage, "status", status="resolved", override_reason="Chatwoot is back, probe is wrong")
    assert done == ["Status changed to resolved."]
    assert Incident.objects.get(pk=outage.pk).status == Status.RESOLVED
    audit = AuditEvent.objects.get(action="incident.checklist_overridden")
    assert (audit.actor, audit.reason) == (admin_user, "Chatwoot is back, probe is wrong")


def test_a_read_only_operator_sees_the_checklists_but_no_buttons(client, outage):
    viewer = StaffFactory(username="viewer")
    viewer.groups.add(Group.objects.get(name="Read-only"))
    client.force_login(viewer)

    page = client.get(console(outage)).content.decode()

    assert "Chatwoot /rails/health answers 200" in page and "Run checklist" not in page
    assert client.post(f"{CHANGELIST}{outage.pk}/act/checklist-run/").status_code == 403


def test_the_api_refuses_to_resolve_and_takes_an_override_reason(operator_api, outage):
    url = f"/api/v1/incidents/{outage.pk}/status/"

    refused = operator_api.post(url, {"status": "resolved"}, format="json")
    assert refused.status_code == 400 and refused.json()["error"] == "checklist_not_done"
    assert "Chatwoot /rails/health answers 200 (not run yet)" in refused.json()["detail"]

    done = operator_api.post(url, {"status": "resolved", "override_reason": "Verified by hand"}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "resolved"


def test_the_runbook_page_edits_its_checklist_inline_and_refuses_unknown_checks(admin_client):
    book = Runbook.objects.get(slug="redis-down")
    url = f"/admin/incidents/runbook/{book.pk}/change/"
    page = admin_client.get(url).content.decode()
    assert "(restore automation gates resolve, post-outage verification gates close)" in page
    assert "Every health check green for 15 minutes or more (a gate) (health_green_for)" in page

    form = {
        **{name: getattr(book, name) for name in ("slug", "title", "symptom", "impact", "fix", "evidence")},
        "checks": '["redis_ping"]',
        "codes": "[]",
        "checklist_items-TOTAL_FORMS": "1",
        "checklist_items-INITIAL_FORMS": "0",
        "checklist_items-0-stage": "post_outage",
        "checklist_items-0-position": "1",
        "checklist_items-0-label": "Redis green for 10 minutes",
        "checklist_items-0-check_name": "health_green_for",
        "checklist_items-0-params": '{"minutes": 10, "hours": 1}',
    }
    refused = admin_client.post(url, form)
    assert refused.status_code == 200
    assert "health_green_for takes no hours (its parameters: minutes)." in refused.content.decode()

    form["checklist_items-0-params"] = '{"minutes": 10}'
    assert admin_client.post(url, form).status_code == 302
    item = ChecklistItem.objects.get(runbook=book)
    assert (item.check_name, item.params) == ("health_green_for", {"minutes": 10})
    assert AuditEvent.objects.filter(action="checklistitem.created").exists()


def test_a_checklist_item_deleted_on_the_runbook_page_is_audited(admin_client):
    book = Runbook.objects.get(slug="chatwoot-down")
    items = list(book.checklist_items.order_by("pk"))
    url = f"/admin/incidents/runbook/{book.pk}/change/"
    form = {
        **{name: getattr(book, name) for name in ("slug", "title", "symptom", "impact", "fix", "evidence")},
        "checks": json.dumps(book.checks),
        "codes": json.dumps(book.codes),
        "checklist_items-TOTAL_FORMS": str(len(items)),
        "checklist_items-INITIAL_FORMS": str(len(items)),
    }
    for index, item in enumerate(items):
        prefix = f"checklist_items-{index}-"
        form.update(
            {
                f"{prefix}id": item.pk,
                f"{prefix}runbook": book.pk,
                f"{prefix}stage": item.stage,
                f"{prefix}position": item.position,
                f"{prefix}label": item.label,
                f"{prefix}check_name": item.check_name,
                f"{prefix}params": json.dumps(item.params),
                f"initial-{prefix}params": json.dumps(item.params),  # the hidden initial a browser posts
            }
        )
    form["checklist_items-0-DELETE"] = "on"

    assert admin_client.post(url, form).status_code == 302

    assert not ChecklistItem.objects.filter(pk=items[0].pk).exists()
    assert book.checklist_items.count() == len(items) - 1
    assert AuditEvent.objects.filter(action="checklistitem.deleted").count() == 1
    assert not AuditEvent.objects.filter(action="checklistitem.changed").exists()


def test_the_api_detail_shows_the_checklist(operator_api, outage):
    body = operator_api.get(f"/api/v1/incidents/{outage.pk}/").json()

    first = body["checklist"][0]
    assert (first["stage"], first["label"], first["check"], first["state"]) == (
        "restore",
        "Chatwoot /rails/health answers 200",
        "chatwoot_health",
        "pending",
    )
    assert [row["check"] for row in body["checklist"]][-1] == "sla_reviewed"
