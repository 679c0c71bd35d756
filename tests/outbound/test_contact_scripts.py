"""The number a contact opted out with is the same contact in any script: Arabic-Indic and
full-width digits went out before (they were stored as given and matched no policy). Through the
API, the portal and an automation reply, each script gets `blocked_opt_out`, and there is one
policy for the contact."""

import pytest

from apps.integrations import automation
from apps.integrations import services as integration_services
from apps.integrations.models import AutomationRun, ConversationMessage
from apps.outbound import services
from apps.outbound.models import ContactChannelPolicy, OutboundMessage, Status, Via
from tests.fakes.n8n import FakeN8n
from tests.integrations import signing

pytestmark = pytest.mark.django_db
CANONICAL = "393331234567"
SCRIPTS = ["+393331234567", "+٣٩٣٣٣١٢٣٤٥٦٧", "＋３９３３３１２３４５６７"]
APP_SECRET = "meta-app-secret"


@pytest.fixture
def opted_out(tenant):
    policy = services.contact_policy(tenant, "whatsapp_cloud", "+39 333 123 4567")
    services.opt_out(policy, via=Via.PORTAL, note="Asked by phone")
    return policy


def only_policy():
    policy = ContactChannelPolicy.objects.get()
    assert (policy.contact_id, policy.opted_out) == (CANONICAL, True)


@pytest.mark.parametrize("to", SCRIPTS)
def test_api_message_in_any_script_is_blocked_by_the_opt_out(tenant_api, meta, opted_out, to):
    draft = tenant_api.post(
        "/api/v1/outbound/", {"channel": "whatsapp_cloud", "to": to, "body": "Offer"}, format="json"
    )
    assert draft.status_code == 201, draft.json()
    assert draft.json()["to"] == CANONICAL
    approved = tenant_api.post(f"/api/v1/outbound/{draft.json()['id']}/approve/", format="json")
    assert approved.json()["status"] == Status.BLOCKED_OPT_OUT
    only_policy()


@pytest.mark.parametrize("to", SCRIPTS)
def test_portal_message_in_any_script_is_blocked_by_the_opt_out(owner_client, meta, opted_out, to):
    response = owner_client.post(
        "/dashboard/outbound/new/", {"channel": "whatsapp_cloud", "to": to, "kind": "transactional", "body": "Offer"}
    )
    assert response.status_code == 302
    message = OutboundMessage.objects.get()
    owner_client.post(f"/dashboard/outbound/{message.pk}/approve/")
    message.refresh_from_db()
    assert (message.contact_id, message.status) == (CANONICAL, Status.BLOCKED_OPT_OUT)
    only_policy()


@pytest.fixture
def n8n(tenant):
    with FakeN8n() as server:
        server.workflow("webhook/concierge")
        connection = integration_services.create_connection(
            tenant, "n8n", secret="callback-token", values={"base_url": server.url, "token": server.token}
        )
        automation.create_bot(tenant, name="Concierge", workflow_path="webhook/concierge")
        connection.server = server
        yield connection


@pytest.mark.parametrize("sender", [script.lstrip("+＋") for script in SCRIPTS])
def test_automation_reply_to_a_sender_in_any_script_is_blocked_by_the_opt_out(
    client, settings, meta, graph, n8n, opted_out, sender, django_capture_on_commit_callbacks
):
    settings.META_APP_SECRET = APP_SECRET
    body = signing.body_of(
        signing.meta_delivery(
            graph.phone_number_id, messages=[signing.meta_text("wamid.GUEST1", sender=sender, text="Any offers today?")]
        )
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            client.post(
                "/webhooks/meta/", data=body, content_type="application/json", **signing.meta_headers(APP_SECRET, body)
            ).status_code
            == 200
        )
    assert ConversationMessage.objects.get().contact_id == CANONICAL
    run = AutomationRun.objects.get()
    callback = signing.body_of({"run_id": run.pk, "status": "succeeded", "reply": "20% off tonight!"})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/webhooks/n8n/{n8n.pk}/",
            data=callback,
            content_type="application/json",
            **signing.n8n_headers("callback-token"),
        )
    reply = OutboundMessage.objects.get(automation_run=run)
    assert (reply.contact_id, reply.status) == (CANONICAL, Status.BLOCKED_OPT_OUT)
    assert not graph.sent()
    only_policy()


def test_a_waha_stop_in_arabic_digits_opts_out_the_contact_the_api_writes_to(
    client, tenant, waha, tenant_api, django_capture_on_commit_callbacks
):
    body = signing.body_of(
        {
            "id": "evt_01jstop",
            "event": "message",
            "session": "default",
            "payload": {
                "id": "false_٣٩٣٣٣١٢٣٤٥٦٧@c.us_AAA",
                "from": "٣٩٣٣٣١٢٣٤٥٦٧@c.us",
                "fromMe": False,
                "body": "STOP",
                "timestamp": 1764000000,
            },
        }
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/webhooks/waha/{waha.pk}/", data=body, content_type="application/json").status_code == 200
    policy = ContactChannelPolicy.objects.get(channel="waha")
    assert (policy.contact_id, policy.opted_out) == (CANONICAL, True)
    draft = tenant_api.post(
        "/api/v1/outbound/", {"channel": "waha", "to": "+39 333 123 4567", "body": "Hi"}, format="json"
    ).json()
    assert (
        tenant_api.post(f"/api/v1/outbound/{draft['id']}/approve/", format="json").json()["status"]
        == Status.BLOCKED_OPT_OUT
    )


def test_filters_find_the_contact_in_any_script(owner_client, tenant_api, tenant, meta, opted_out):
    services.create_message(tenant, channel="whatsapp_cloud", to="+393331234567", body="Kept as a draft")
    assert (
        "Kept as a draft" in owner_client.get("/dashboard/outbound/", {"contact": "+٣٩ ٣٣٣ ١٢٣ ٤٥٦٧"}).content.decode()
    )
    assert CANONICAL in owner_client.get("/dashboard/outbound/contacts/", {"contact": "٣٣٣ ١٢٣"}).content.decode()
    found = tenant_api.get("/api/v1/outbound/", {"contact": "＋３９３３３１２３４５６７"}).json()["results"]
    assert [m["body"] for m in found] == ["Kept as a draft"]


def test_admin_search_finds_the_contact_in_any_script(admin_client, tenant, meta, opted_out):
    page = admin_client.get("/admin/outbound/contactchannelpolicy/", {"q": "+٣٩ ٣٣٣ ١٢٣ ٤٥٦٧"}).content.decode()
    assert CANONICAL in page and "0 contact channel policies" not in page


def test_an_invalid_number_is_a_400_naming_to(tenant_api, meta):
    response = tenant_api.post(
        "/api/v1/outbound/", {"channel": "whatsapp_cloud", "to": "+٣٩", "body": "x"}, format="json"
    )
    assert response.status_code == 400 and "to" in response.json()["fields"]
    assert not OutboundMessage.objects.exists()


def test_a_workflow_gets_the_canonical_contact_and_wahas_own_chat_id(
    client, waha, n8n, django_capture_on_commit_callbacks
):
    body = signing.body_of(
        {
            "id": "evt_01jchat",
            "event": "message",
            "session": "default",
            "payload": {
                "id": "false_393331234567@c.us_BBB",
                "from": "393331234567@c.us",
                "fromMe": False,
                "body": "Hi",
                "timestamp": 1764000000,
            },
        }
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/webhooks/waha/{waha.pk}/", data=body, content_type="application/json").status_code == 200
    sent = n8n.server.requests_to("/webhook/concierge")[0].json()["message"]
    assert (sent["from"], sent["chat_id"]) == (CANONICAL, "393331234567@c.us")
