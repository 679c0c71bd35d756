"""Owners and admins see their WhatsApp (WAHA) session in the portal: the live status, the QR
code refreshed without JavaScript, a restart and a pairing code, so they can reconnect by
themselves; not while WhatsApp is off for a ban or limits new contacts, and never another
tenant's connection."""

import pytest
from django.utils import timezone

from apps.events.models import AuditEvent
from apps.integrations.models import Connection
from tests.fakes.waha import PNG, FakeWahaSessions
from tests.integrations.factories import ConnectionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def waha():
    with FakeWahaSessions(api_key="waha-key") as server:
        server._create({"name": "default"})
        server.advance(1)
        yield server


@pytest.fixture
def connection(tenant, waha):
    return ConnectionFactory(
        tenant=tenant,
        provider="waha",
        name="Front desk WhatsApp",
        settings={"base_url": waha.url, "session": "default"},
        secrets={"api_key": "waha-key"},
    )


def url(connection, tail=""):
    return f"/dashboard/whatsapp/{connection.pk}/{tail}"


def test_an_owner_sees_the_qr_code_and_the_page_refreshes_itself(owner_client, connection):
    Connection.objects.filter(pk=connection.pk).update(
        provider_status="SCAN_QR_CODE", provider_status_at=timezone.now()
    )

    page = owner_client.get(url(connection)).content.decode()

    assert "SCAN_QR_CODE" in page and "Code 1 of 6" in page and 'http-equiv="refresh"' in page
    assert owner_client.get(url(connection, "qr.png")).content == PNG
    assert "Front desk WhatsApp" in owner_client.get("/dashboard/whatsapp/").content.decode()


def test_an_owner_restarts_the_session_and_it_is_audited(owner_client, connection, waha):
    answer = owner_client.post(url(connection, "restart/"))

    assert answer.status_code == 302 and waha.requests_to("/api/sessions/default/restart")
    assert AuditEvent.objects.filter(action="waha.session_restart", tenant=connection.tenant).exists()


def test_a_pairing_code_is_shown(owner_client, connection):
    page = owner_client.post(url(connection, "pairing-code/"), {"phone_number": "4915100007777"}, follow=True)

    assert "ABCD-7777" in page.content.decode()


def test_no_restart_while_whatsapp_is_off_for_a_ban(owner_client, connection, waha, tenant):
    from apps.tenants.models import Tenant

    Tenant.objects.filter(pk=tenant.pk).update(whatsapp_disabled_for_ban=True, is_whatsapp_enabled=False)

    page = owner_client.post(url(connection, "restart/"), follow=True).content.decode()

    assert "makes the ban worse" in page and "Restart the connection" not in page
    assert not waha.requests_to("/api/sessions/default/restart")


def test_another_tenants_connection_is_a_404(owner_client, other_tenant, waha):
    theirs = ConnectionFactory(tenant=other_tenant, provider="waha", settings={"base_url": waha.url})

    assert owner_client.get(url(theirs)).status_code == 404
