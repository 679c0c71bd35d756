"""The WAHA session page in the admin: the status live from WAHA, the QR code refreshed as WAHA
re-issues it (60 s, then 20 s, six codes, then "start again"), buttons behind a confirmation page,
and the connection's recent sends, failures and inbound messages."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.events.models import AuditEvent
from apps.integrations.models import Connection
from apps.integrations.waha import sessions
from tests.fakes.waha import PNG, FakeWahaSessions
from tests.integrations.factories import ConnectionFactory, ConversationMessageFactory

pytestmark = pytest.mark.django_db
NOW = timezone.now()


@pytest.fixture
def waha():
    with FakeWahaSessions(api_key="waha-key") as server:
        yield server


@pytest.fixture
def connection(tenant, waha):
    connection = ConnectionFactory(
        tenant=tenant,
        provider="waha",
        settings={"base_url": waha.url, "session": "default", "device_name": "Front desk"},
        secrets={"api_key": "waha-key"},
    )
    waha._create({"name": "default"})
    waha.advance(1)
    return connection


@pytest.fixture
def admin_client(client, staff):
    client.force_login(staff)
    return client


@pytest.mark.parametrize(
    "seconds,code,refresh",
    [(0, 1, 61), (59, 1, 2), (60, 2, 21), (79, 2, 2), (80, 3, 21), (159, 6, 2)],
)
def test_the_qr_schedule_follows_waha_60_s_then_20_s(seconds, code, refresh):
    assert sessions.qr_schedule(NOW, NOW + timedelta(seconds=seconds)) == sessions.QrSchedule(code, refresh)


def test_after_six_codes_the_qr_has_expired():
    assert sessions.qr_schedule(NOW, NOW + timedelta(seconds=160)).expired


def test_the_page_shows_the_qr_code_and_refreshes_without_javascript(admin_client, connection):
    Connection.objects.filter(pk=connection.pk).update(
        provider_status="SCAN_QR_CODE", provider_status_at=timezone.now() - timedelta(seconds=70)
    )

    page = admin_client.get(f"/admin/integrations/connection/{connection.pk}/waha/").content.decode()

    assert "Status: <strong>SCAN_QR_CODE</strong>" in page and "Code 2 of 6" in page
    assert '<meta http-equiv="refresh" content="' in page
    assert f"/admin/integrations/connection/{connection.pk}/waha/qr.png" in page
    image = admin_client.get(f"/admin/integrations/connection/{connection.pk}/waha/qr.png")
    assert image["Content-Type"] == "image/png" and image.content == PNG


def test_the_page_shows_the_linked_number_and_the_logs(admin_client, connection, waha):
    waha.scan("default", number="4915100001111", push_name="Bella")
    ConversationMessageFactory(connection=connection, tenant=connection.tenant, text="Is breakfast included?")

    page = admin_client.get(f"/admin/integrations/connection/{connection.pk}/waha/").content.decode()

    assert "WORKING" in page and "4915100001111" in page and "Front desk" in page
    assert "Is breakfast included?" in page and "No sends yet." in page


def test_restart_asks_first_then_calls_waha_and_is_audited(admin_client, connection, waha):
    url = f"/admin/integrations/connection/{connection.pk}/waha/restart/"
    assert "Yes, do it" in admin_client.get(url).content.decode()
    assert not waha.requests_to("/api/sessions/default/restart")

    answer = admin_client.post(url, {"reason": "Stuck after WAHA upgrade"})

    assert answer.status_code == 302 and waha.requests_to("/api/sessions/default/restart")
    assert AuditEvent.objects.get(action="waha.session_restart").reason == "Stuck after WAHA upgrade"


def test_a_pairing_code_is_shown_to_the_operator(admin_client, connection):
    answer = admin_client.post(
        f"/admin/integrations/connection/{connection.pk}/waha/pairing_code/",
        {"phone_number": "+49 151 0000 4321"},
        follow=True,
    )

    assert "ABCD-4321" in answer.content.decode()


def test_a_waha_refusal_is_said_on_the_confirmation_page(admin_client, connection, waha):
    waha.scan("default")
    answer = admin_client.post(
        f"/admin/integrations/connection/{connection.pk}/waha/pairing_code/", {"phone_number": "4915100004321"}
    )

    assert answer.status_code == 200 and "The session is WORKING" in answer.content.decode()
