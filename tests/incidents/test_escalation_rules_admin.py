"""The escalation rules in the admin: listed in plain words ("sev2 and above", the delay, the
trigger), edited and validated with readable errors, audited; the roster holds roles; the
incident page and the notification list show which rules fired, whom they told, and the gaps."""

import pytest
from django.core.exceptions import ValidationError

from apps.events.models import AuditEvent
from apps.incidents.models import EscalationRule, Level, Notification, OnCallEntry, Role
from tests.incidents.factories import make_incident

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_seeded_rules(db):
    """Each test makes the rules it shows (the migration seeds the contacts table)."""
    EscalationRule.objects.all().delete()


@pytest.fixture
def admin_client(client, staff):
    client.force_login(staff)
    return client


def rule_form(**changes):
    return {
        "name": "Support lead: sev2 unacknowledged after 5 min",
        "role": Role.SUPPORT_LEAD,
        "min_severity": "sev2",
        "trigger": "unacknowledged",
        "after_minutes": 5,
        "is_active": "on",
        **changes,
    }


def test_the_rules_list_speaks_plainly(admin_client):
    EscalationRule.objects.create(
        name="Support lead at 10", role=Role.SUPPORT_LEAD, min_severity="sev2", after_minutes=10
    )
    EscalationRule.objects.create(
        name="Infra for self-hosted", role=Role.INFRASTRUCTURE, min_severity="sev4", trigger="component_down"
    )
    page = admin_client.get("/admin/incidents/escalationrule/").content.decode()
    assert "sev2 and above" in page and "every severity" in page and "sev1 only" in page
    assert "Only for severity at least" in page and "Incidents told" in page
    assert "any self-hosted one" in page and "A self-hosted component is down" in page
    assert admin_client.get("/admin/incidents/escalationrule/?role__exact=support_lead").status_code == 200


def test_adding_a_rule_is_audited(admin_client, staff):
    response = admin_client.post("/admin/incidents/escalationrule/add/", rule_form())
    assert response.status_code == 302
    rule = EscalationRule.objects.get(name__startswith="Support lead: sev2 unacknowledged")
    assert (rule.min_severity, rule.trigger, rule.after_minutes, rule.components) == ("sev2", "unacknowledged", 5, [])
    audit = AuditEvent.objects.get(action="escalationrule.created")
    assert audit.actor == staff and audit.after["min_severity"] == "sev2"


def test_components_only_go_with_the_component_down_trigger(admin_client):
    response = admin_client.post("/admin/incidents/escalationrule/add/", rule_form(components=["chatwoot"]))
    assert response.status_code == 200
    assert "Components only narrow the &#x27;a self-hosted component is down&#x27; trigger" in response.content.decode()
    assert not EscalationRule.objects.exists()

    ok = admin_client.post(
        "/admin/incidents/escalationrule/add/",
        rule_form(trigger="component_down", components=["chatwoot", "database"], min_severity="sev4"),
    )
    assert ok.status_code == 302
    assert EscalationRule.objects.get().components == ["chatwoot", "database"]


def test_a_component_that_does_not_exist_or_is_not_self_hosted_is_refused(admin_client):
    response = admin_client.post(
        "/admin/incidents/escalationrule/add/", rule_form(trigger="component_down", components=["mainframe"])
    )
    assert response.status_code == 200 and "mainframe is not one of the available choices" in response.content.decode()

    rule = EscalationRule(name="x", role=Role.CEO, trigger="component_down", components=["meta"])
    with pytest.raises(ValidationError) as refused:
        rule.full_clean()
    assert "meta: not self-hosted" in str(refused.value)
    rule.components = ["nonsense"]
    with pytest.raises(ValidationError) as unknown:
        rule.full_clean()
    assert "Unknown component(s): nonsense" in str(unknown.value)


def test_the_list_edits_the_floor_the_delay_and_active_in_place(admin_client):
    rule = EscalationRule.objects.create(name="CEO", role=Role.CEO, min_severity="sev1", after_minutes=15)
    response = admin_client.post(
        "/admin/incidents/escalationrule/",
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": rule.pk,
            "form-0-min_severity": "sev2",
            "form-0-after_minutes": "20",
            "_save": "Save",
        },
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.min_severity, rule.after_minutes, rule.is_active) == ("sev2", 20, False)
    changed = AuditEvent.objects.get(action="escalationrule.changed")
    assert changed.before["after_minutes"] == 15 and changed.after["after_minutes"] == 20


def test_a_rule_page_shows_when_and_why_it_fired(admin_client, staff):
    rule = EscalationRule.objects.create(name="EM at once", role=Role.ENGINEERING_MANAGER, min_severity="sev1")
    incident = make_incident(staff, severity="sev1", title="All sends failing")
    page = admin_client.get(f"/admin/incidents/escalationrule/{rule.pk}/change/").content.decode()
    assert "sev1 at once" in page and f"#{incident.pk}" in page and "UTC" in page
    assert "Only for severity at least" in page


def test_the_roster_holds_roles_and_filters_by_them(admin_client, staff):
    response = admin_client.post(
        "/admin/incidents/oncallentry/add/",
        {
            "level": 3,
            "role": Role.CEO,
            "name": "Cleo",
            "email": "cleo@ops.test",
            "starts_at_0": "2026-11-01",
            "starts_at_1": "00:00",
        },
    )
    assert response.status_code == 302
    entry = OnCallEntry.objects.get()
    assert entry.role == Role.CEO
    assert AuditEvent.objects.get(action="oncall.added").after["role"] == "ceo"
    listed = admin_client.get("/admin/incidents/oncallentry/?role__exact=ceo").content.decode()
    assert "Cleo" in listed and "CEO" in listed


def test_the_incident_page_shows_the_rules_that_fired_and_the_gaps(admin_client, staff):
    EscalationRule.objects.create(name="EM at once", role=Role.ENGINEERING_MANAGER, min_severity="sev1")
    OnCallEntry.objects.create(level=Level.ON_CALL, name="Olga", email="olga@ops.test")
    incident = make_incident(staff, severity="sev1")

    page = admin_client.get(f"/admin/incidents/incident/{incident.pk}/change/").content.decode()
    assert 'id="rule-firings"' in page
    assert 'Engineering manager</a> <span class="bad">not told: nobody holds this role</span> (sev1 at once)' in page
    assert "level 1 Email" in page and "Engineering manager Email → (nobody in this role)" in page

    listed = admin_client.get("/admin/incidents/notification/").content.decode()
    assert "Level 1 — on-call engineer" in listed and "Engineering manager" in listed
    filtered = admin_client.get("/admin/incidents/notification/?role__exact=engineering_manager").content.decode()
    assert "(nobody in this role)" in filtered and "olga@ops.test" not in filtered
    assert Notification.objects.get(role=Role.ENGINEERING_MANAGER).level is None
