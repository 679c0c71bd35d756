"""The whole loop over HTTP, with every provider a local server: a guest writes on WhatsApp (signed
Meta webhook), the tenant's bot runs its n8n workflow, n8n calls back with a reply, the reply goes
out through preflight to the Graph API, and Meta's status webhook marks it delivered."""

import pytest

from apps.integrations import automation
from apps.integrations import services as integration_services
from apps.integrations.models import AutomationRun
from apps.outbound.models import OutboundMessage, Status
from tests.fakes.n8n import FakeN8n
from tests.integrations import signing
from tests.outbound.conftest import PHONE

pytestmark = pytest.mark.django_db
APP_SECRET = "meta-app-secret"


@pytest.fixture
def n8n(tenant):
    with FakeN8n() as server:
        server.workflow("webhook/concierge")
        connection = integration_services.create_connection(
            tenant, "n8n", secret="callback-token", values={"base_url": server.url, "token": server.token}
        )
        automation.create_bot(tenant, name="Concierge", workflow_path="webhook/concierge")
        yield server, connection


def post_meta(client, payload):
    body = signing.body_of(payload)
    return client.post(
        "/webhooks/meta/", data=body, content_type="application/json", **signing.meta_headers(APP_SECRET, body)
    )


def test_a_guest_message_gets_the_workflows_reply_and_its_delivery_status(
    client, settings, meta, graph, n8n, django_capture_on_commit_callbacks
):
    settings.META_APP_SECRET = APP_SECRET
    n8n_server, n8n_connection = n8n
    with django_capture_on_commit_callbacks(execute=True):
        inbound = post_meta(
            client,
            signing.meta_delivery(
                graph.phone_number_id,
                messages=[signing.meta_text("wamid.GUEST1", sender=PHONE, text="Is breakfast included?")],
            ),
        )
    assert inbound.status_code == 200
    run = AutomationRun.objects.get()
    assert run.status == AutomationRun.Status.RUNNING
    assert n8n_server.requests_to("/webhook/concierge")[0].json()["message"]["text"] == "Is breakfast included?"

    callback = signing.body_of({"run_id": run.pk, "status": "succeeded", "reply": "Yes, from 7 to 10."})
    with django_capture_on_commit_callbacks(execute=True):
        answered = client.post(
            f"/webhooks/n8n/{n8n_connection.pk}/",
            data=callback,
            content_type="application/json",
            **signing.n8n_headers("callback-token"),
        )
    assert answered.status_code == 200
    reply = OutboundMessage.objects.get(automation_run=run)
    assert (reply.status, reply.source, reply.preflight_code) == (Status.SENT, "automation", "OK")
    assert graph.sent()[-1]["text"]["body"] == "Yes, from 7 to 10." and graph.sent()[-1]["to"] == PHONE

    with django_capture_on_commit_callbacks(execute=True):
        post_meta(
            client,
            signing.meta_delivery(
                graph.phone_number_id,
                statuses=[signing.meta_status(reply.provider_message_id, "delivered", recipient=PHONE)],
            ),
        )
    reply.refresh_from_db()
    assert reply.status == Status.DELIVERED
