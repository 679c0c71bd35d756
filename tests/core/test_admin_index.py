"""The admin opens on what needs attention first, each line a link to the list behind it, with the
apps below."""

import pytest
from django.urls import reverse

from apps.events import emit
from apps.incidents import services as incidents
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


def test_the_index_shows_open_incidents_by_severity_and_what_needs_attention(client, staff, tenant):
    incidents.create_incident(actor=staff, title="Database failover", severity="sev1")
    incidents.create_incident(actor=staff, title="One tenant's PMS", severity="sev3", tenants=[tenant])
    emit("PMS_SYNC_FAILED", tenant=tenant, message="PMS answered 503")
    client.force_login(staff)

    response = client.get(reverse("admin:index"))

    rows = {item.label: item for item in response.context["attention"]}
    assert rows["Open incidents, sev1"].value == 1 and rows["Open incidents, sev2"].value == 0
    assert rows["Open incidents, sev3"].value == 1 and rows["Failures today (UTC)"].value >= 1
    assert {"Dead letters", "Monitors failing", "SLA breaches soon"} <= set(rows)
    body = response.content.decode()
    assert body.index("Needs attention") < body.index("Error Center") < body.index("app-incidents")
    assert client.get(rows["Open incidents, sev1"].url).status_code == 200
    assert "Database failover" in client.get(rows["Open incidents, sev1"].url).content.decode()
    for item in rows.values():
        assert client.get(item.url).status_code == 200, item.url


def test_someone_who_may_not_see_incidents_is_not_shown_their_counts(client, db):
    viewer = StaffFactory(username="reader")
    client.force_login(viewer)

    response = client.get(reverse("admin:index"))

    assert response.status_code == 200 and "Open incidents" not in response.content.decode()
