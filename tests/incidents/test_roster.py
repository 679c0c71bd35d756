"""The on-call roster changes through services.roster: every add, change and removal in the admin
is audited, and the Slack webhook appears in the audit log only as set or not."""

import pytest

from apps.events.models import AuditEvent
from apps.incidents.models import OnCallEntry

pytestmark = pytest.mark.django_db
SECRET_URL = "https://hooks.slack.com/services/T1/B2/SECRETsecret"


@pytest.fixture
def admin_client(client, staff):
    client.force_login(staff)
    return client


def roster_form(**changes):
    return {
        "level": 1,
        "name": "Olga",
        "email": "olga@ops.test",
        "starts_at_0": "2026-11-01",
        "starts_at_1": "00:00",
        **changes,
    }


def test_adding_and_changing_a_roster_entry_is_audited_without_the_webhook(admin_client, staff):
    assert (
        admin_client.post("/admin/incidents/oncallentry/add/", roster_form(slack_webhook_url=SECRET_URL)).status_code
        == 302
    )
    entry = OnCallEntry.objects.get()
    added = AuditEvent.objects.get(action="oncall.added")
    assert added.actor == staff and added.target_id == str(entry.pk)
    assert added.after["email"] == "olga@ops.test" and added.after["slack_webhook"] is True

    assert (
        admin_client.post(
            f"/admin/incidents/oncallentry/{entry.pk}/change/",
            roster_form(email="olga@oncall.test", clear_slack_webhook="on"),
        ).status_code
        == 302
    )
    changed = AuditEvent.objects.get(action="oncall.changed")
    assert (changed.before["email"], changed.after["email"]) == ("olga@ops.test", "olga@oncall.test")
    assert (changed.before["slack_webhook"], changed.after["slack_webhook"]) == (True, False)
    assert "SECRET" not in str(list(AuditEvent.objects.values_list("before", "after")))


def test_removing_a_roster_entry_is_audited(admin_client):
    admin_client.post("/admin/incidents/oncallentry/add/", roster_form())
    entry = OnCallEntry.objects.get()
    assert admin_client.post(f"/admin/incidents/oncallentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not OnCallEntry.objects.exists()
    assert AuditEvent.objects.get(action="oncall.removed").before["name"] == "Olga"
