"""The ban flow in the admin: started from the tenant's page or the incident console, each page
offers the next step and says why a step is refused."""

import pytest

from apps.incidents.models import BanFlow
from tests.fakes.waha import FakeWahaSessions
from tests.incidents.test_ban_flow import hours_pass
from tests.integrations.factories import ConnectionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def waha():
    with FakeWahaSessions(api_key="waha-key") as server:
        yield server


@pytest.fixture
def connection(tenant, waha):
    return ConnectionFactory(
        tenant=tenant,
        provider="waha",
        settings={"base_url": waha.url, "session": "default", "device_name": "Front desk"},
        secrets={"api_key": "waha-key"},
    )


@pytest.fixture
def admin_client(client, staff):
    client.force_login(staff)
    return client


def test_the_tenant_page_starts_the_flow_and_its_page_shows_the_cooldown(admin_client, tenant, connection):
    tenant_page = admin_client.get(f"/admin/tenants/tenant/{tenant.pk}/change/").content.decode()
    assert f"/admin/incidents/banflow/start/{tenant.pk}/" in tenant_page

    answer = admin_client.post(
        f"/admin/incidents/banflow/start/{tenant.pk}/", {"reason": "Banned after a broadcast", "cooldown_hours": 48}
    )

    flow = BanFlow.objects.get()
    assert answer.status_code == 302 and answer["Location"].endswith(f"/banflow/{flow.pk}/step/")
    page = admin_client.get(answer["Location"]).content.decode()
    assert "Cooldown ends" in page and "Front desk" in page and "Create the new session" in page
    assert "cooldown ends" in admin_client.get(f"/admin/tenants/tenant/{tenant.pk}/change/").content.decode()


def test_a_cooldown_under_24_hours_is_refused_on_the_form(admin_client, tenant, connection):
    answer = admin_client.post(f"/admin/incidents/banflow/start/{tenant.pk}/", {"reason": "x", "cooldown_hours": 6})

    assert answer.status_code == 200 and not BanFlow.objects.exists()


def test_the_banned_device_is_refused_with_why_then_another_is_accepted(admin_client, tenant, connection, waha, staff):
    from apps.incidents.services import ban_flow

    flow = ban_flow.start(tenant, actor=staff, reason="Banned")
    hours_pass(flow, 49)
    url = f"/admin/incidents/banflow/{flow.pk}/step/"

    refused = admin_client.post(url, {"operation": "new_session", "device_name": "Front desk"}, follow=True)
    assert "is the device that was banned" in refused.content.decode()

    admin_client.post(url, {"operation": "new_session", "device_name": "Back office"})
    assert BanFlow.objects.get().step == BanFlow.Step.NEW_SESSION
    waha.advance(1)
    assert "SCAN_QR_CODE" in admin_client.get(url).content.decode()


def test_the_incident_console_shows_the_cooldown_end_beside_the_switch(admin_client, tenant, connection, staff):
    from apps.incidents.services import ban_flow

    flow = ban_flow.start(tenant, actor=staff, reason="Banned")

    page = admin_client.get(f"/admin/incidents/incident/{flow.incident.pk}/change/").content.decode()

    assert "ban flow: 1–2. WhatsApp off, cooling down, cooldown ends" in page
    assert f"/admin/incidents/banflow/start/{tenant.pk}/?incident={flow.incident.pk}" in page
