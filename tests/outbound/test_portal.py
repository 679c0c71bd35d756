"""The portal: messages with status and reason, "limit reached" when the plan's limit is used up,
drafts from members, approve/cancel/retry for owners and admins only, contact policies with
opt-out visible and opt-in only through its confirmation page; both pages are in the nav."""

import pytest

from apps.outbound import services
from apps.outbound.models import OutboundMessage, Status
from apps.tenants.models import UsageCounter
from apps.tenants.usage import increment
from tests.outbound.conftest import PHONE, contact_wrote

pytestmark = pytest.mark.django_db
LIST = "/dashboard/outbound/"


def test_nav_links_both_pages(owner_client, meta):
    page = owner_client.get("/dashboard/").content.decode()
    assert 'href="/dashboard/outbound/"' in page and 'href="/dashboard/outbound/contacts/"' in page


def test_list_shows_status_and_reason(owner_client, tenant, meta):
    services.create_message(tenant, channel="whatsapp_cloud", to=PHONE, body="Outside the window", approve=True)
    page = owner_client.get(LIST).content.decode()
    assert "Blocked by policy" in page and "24-hour customer-service window is closed" in page


def test_list_filters_by_status(owner_client, tenant, meta):
    services.create_message(tenant, channel="whatsapp_cloud", to=PHONE, body="Still a draft")
    assert "Still a draft" not in owner_client.get(LIST, {"status": "sent"}).content.decode()
    assert "Still a draft" in owner_client.get(LIST, {"status": "draft"}).content.decode()


def test_limit_reached_is_shown(owner_client, tenant, meta):
    increment(tenant, UsageCounter.Metric.MESSAGES_SENT, tenant.plan.monthly_message_limit)
    contact_wrote(meta)
    services.create_message(tenant, channel="whatsapp_cloud", to=PHONE, body="Over the limit", approve=True)
    page = owner_client.get(LIST).content.decode()
    assert "Limit reached" in page and "The plan&#x27;s monthly message limit is reached." in page


def test_member_writes_a_draft_but_cannot_approve(client, people, tenant, meta):
    client.force_login(people.member)
    response = client.post(
        LIST + "new/",
        {"channel": "whatsapp_cloud", "to": "+4915112345678", "kind": "transactional", "body": "Your order shipped"},
    )
    message = OutboundMessage.objects.get()
    assert response.status_code == 302 and (message.status, message.source, message.created_by) == (
        "draft",
        "portal",
        people.member,
    )
    assert client.post(f"{LIST}{message.pk}/approve/").status_code == 403
    assert OutboundMessage.objects.get().status == Status.DRAFT


def test_new_message_form_names_the_problem(owner_client, meta):
    response = owner_client.post(
        LIST + "new/", {"channel": "whatsapp_cloud", "to": "nope", "kind": "transactional", "body": "x"}
    )
    assert response.status_code == 400 and "not a phone number" in response.content.decode()
    assert not OutboundMessage.objects.exists()


def test_owner_approves_and_sees_attempts(owner_client, tenant, meta, graph, django_capture_on_commit_callbacks):
    contact_wrote(meta)
    draft = services.create_message(tenant, channel="whatsapp_cloud", to=PHONE, body="Table for two at 8")
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(f"{LIST}{draft.pk}/approve/")
    page = owner_client.get(f"{LIST}{draft.pk}/").content.decode()
    assert "Sent" in page and "Success" in page and graph.token not in page


def test_contacts_page_shows_opt_outs(owner_client, tenant, meta):
    contact_wrote(meta, text="STOP")
    page = owner_client.get(LIST + "contacts/", {"opted_out": "yes"}).content.decode()
    assert PHONE in page and "Opted out" in page and "Contact sent a keyword" in page


def test_policy_page_offers_opt_in_only_as_a_link_to_its_confirmation(owner_client, tenant, meta):
    policy = contact_wrote(meta, text="STOP")
    page = owner_client.get(f"{LIST}contacts/{policy.pk}/").content.decode()
    assert f'href="/dashboard/outbound/contacts/{policy.pk}/opt-in/"' in page
    assert f'action="/dashboard/outbound/contacts/{policy.pk}/opt-in/"' not in page


def test_portal_opt_out_and_settings(owner_client, people, tenant, meta):
    policy = contact_wrote(meta)
    owner_client.post(f"{LIST}contacts/{policy.pk}/opt-out/", {"note": "Asked on the phone"})
    owner_client.post(
        f"{LIST}contacts/{policy.pk}/settings/",
        {"stop_on_reply": "on", "frequency_cap": "2", "frequency_window_h": "12"},
    )
    policy.refresh_from_db()
    assert policy.opted_out and policy.opted_out_by == people.owner and policy.opted_out_via == "portal"
    assert (policy.stop_on_reply, policy.frequency_cap, policy.frequency_window_s) == (True, 2, 12 * 3600)


def test_member_cannot_change_policies(client, people, tenant, meta):
    policy = contact_wrote(meta, text="STOP")
    client.force_login(people.member)
    assert client.post(f"{LIST}contacts/{policy.pk}/opt-in/", {"contact_asked": "on", "reason": "x"}).status_code == 403
    policy.refresh_from_db()
    assert policy.opted_out


def test_other_tenants_rows_are_404(owner_client, other_tenant):
    from tests.isolation import OBJECT_MAKERS

    message, policy = OBJECT_MAKERS["message_id"](other_tenant), OBJECT_MAKERS["policy_id"](other_tenant)
    assert owner_client.get(f"{LIST}{message}/").status_code == 404
    assert owner_client.post(f"{LIST}{message}/approve/").status_code == 404
    assert owner_client.get(f"{LIST}contacts/{policy}/opt-in/").status_code == 404
    assert "Their message" not in owner_client.get(LIST).content.decode()
