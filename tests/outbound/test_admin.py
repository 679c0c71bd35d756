"""The outbound admin: a message page with its attempts inline and the contact's policy one click
away; bulk cancel with a confirmation page; the object pages are read-only; the connections
whose sending is paused can be resumed (audited)."""

import pytest

from apps.events.models import AuditEvent
from apps.outbound import services
from apps.outbound.admin import OutboundMessageAdmin, SendingConnectionAdmin
from apps.outbound.models import OutboundMessage, Status
from tests.fakes import graph as replies
from tests.outbound.conftest import PHONE, queued
from tests.outbound.test_opted_out_contacts import admin_action

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, staff):
    client.force_login(staff)
    return client


def test_message_page_shows_attempts_and_links_the_contact_policy(admin_client, tenant, meta, graph):
    graph.script(replies.window_closed())
    message = queued(tenant, meta)
    services.dispatch(message.pk)
    page = admin_client.get(f"/admin/outbound/outboundmessage/{message.pk}/change/").content.decode()
    policy = services.contact_policy(tenant, "whatsapp_cloud", PHONE)
    assert f"/admin/outbound/contactchannelpolicy/{policy.pk}/change/" in page
    assert "131047" in page and "Re-engagement message" in page and "permanent" in page.lower()
    assert graph.token not in page
    assert 'name="_save"' not in page  # read-only: changes go through actions
    trail = page[page.index("Audit trail") :]
    assert all(action in trail for action in ("outbound.created", "outbound.approved", "outbound.failed"))
    audit_log = admin_client.get(
        f"/admin/events/auditevent/?target_type=outbound.outboundmessage&target_id={message.pk}"
    )
    assert audit_log.status_code == 200 and audit_log.content.decode().count("outbound.") >= 3


def test_changelist_filters_and_searches(admin_client, tenant, meta):
    services.create_message(tenant, channel="whatsapp_cloud", to=PHONE, body="Hello there")
    drafts = admin_client.get("/admin/outbound/outboundmessage/", {"status__exact": "draft", "q": PHONE})
    canceled = admin_client.get("/admin/outbound/outboundmessage/", {"status__exact": "canceled"})
    assert PHONE in drafts.content.decode() and PHONE not in canceled.content.decode()


def test_bulk_cancel_asks_for_confirmation_then_cancels_with_audit(admin_client, tenant, meta, staff):
    drafts = [services.create_message(tenant, channel="whatsapp_cloud", to=PHONE, body=f"Draft {n}") for n in range(2)]
    response = admin_action(
        admin_client, OutboundMessageAdmin, "Cancel", [d.pk for d in drafts], extra={"reason": "Campaign called off"}
    )
    assert response.status_code == 302
    assert set(OutboundMessage.objects.values_list("status", flat=True)) == {Status.CANCELED}
    assert AuditEvent.objects.filter(action="outbound.canceled", actor=staff, reason="Campaign called off").count() == 2


def test_bulk_actions_report_refusals_per_message(admin_client, tenant, meta):
    sent = services.create_message(tenant, channel="whatsapp_cloud", to=PHONE, body="x")
    services.cancel(sent)
    response = admin_action(admin_client, OutboundMessageAdmin, "Approve", [sent.pk])
    page = admin_client.get(response["Location"]).content.decode()
    assert "canceled; it cannot become approved" in page


def test_paused_connection_is_listed_and_resumed(admin_client, tenant, meta, graph, staff):
    graph.script(replies.token_expired())
    services.dispatch(queued(tenant, meta).pk)
    page = admin_client.get("/admin/outbound/sendingconnection/").content.decode()
    assert "paused" in page and "Meta rejected the access token" in page
    waiting = admin_client.get(f"/admin/outbound/outboundmessage/?status__exact=queued&connection__id__exact={meta.pk}")
    assert waiting.status_code == 200
    admin_action(
        admin_client,
        SendingConnectionAdmin,
        "Resume",
        [meta.pk],
        url="/admin/outbound/sendingconnection/",
        extra={"reason": "Token replaced"},
    )
    meta.refresh_from_db()
    assert not meta.is_sending_paused
    assert AuditEvent.objects.filter(action="connection.sending_resumed", reason="Token replaced").exists()


def test_policy_page_edits_cap_through_the_service(admin_client, tenant, meta):
    policy = services.contact_policy(tenant, "whatsapp_cloud", PHONE)
    response = admin_client.post(
        f"/admin/outbound/contactchannelpolicy/{policy.pk}/change/",
        {"stop_on_reply": "on", "frequency_cap": "3", "frequency_window_s": "3600"},
    )
    assert response.status_code == 302
    policy.refresh_from_db()
    assert (policy.stop_on_reply, policy.frequency_cap, policy.frequency_window_s) == (True, 3, 3600)
    change = AuditEvent.objects.get(action="outbound.policy_changed")
    assert change.before["frequency_cap"] is None and change.after["frequency_cap"] == 3


def test_tenant_settings_are_saved_through_the_service(admin_client, tenant):
    response = admin_client.post(
        "/admin/outbound/outboundsettings/add/",
        {
            "tenant": tenant.pk,
            "frequency_cap": "4",
            "frequency_window_s": "86400",
            "stop_words": "baja, abmelden",
            "opt_out_confirmation": "",
        },
    )
    assert response.status_code == 302
    assert tenant.outbound_settings.stop_words == "ABMELDEN, BAJA"
    assert AuditEvent.objects.filter(action="outbound.policy_changed", tenant=tenant).exists()


def test_attempt_list_is_read_only(admin_client, tenant, meta, graph):
    services.dispatch(queued(tenant, meta).pk)
    page = admin_client.get("/admin/outbound/outboundattempt/")
    assert page.status_code == 200 and "success" in page.content.decode()
    assert admin_client.get("/admin/outbound/outboundattempt/add/").status_code == 403
