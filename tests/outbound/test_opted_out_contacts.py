"""No path sends to an opted-out contact: API approve and retry, admin bulk approve and retry,
portal approve and retry, an automation's reply, and `process/` all end in blocked_opt_out with
nothing posted to the Graph API. Only an explicit, confirmed (and audited) opt-in unlocks."""

import pytest
from django.utils import timezone

from apps.events.models import AuditEvent
from apps.outbound import services
from apps.outbound.admin import ContactChannelPolicyAdmin, OutboundMessageAdmin
from apps.outbound.models import ContactChannelPolicy, OutboundMessage, Status, Via
from tests.outbound.conftest import PHONE, contact_wrote

pytestmark = pytest.mark.django_db
API = "/api/v1/outbound/"
CHANGELIST = "/admin/outbound/outboundmessage/"


@pytest.fixture
def opted_out(tenant, meta, graph):
    """The contact wrote (window open), then opted out in the portal; the confirmation is not sent here."""
    policy = contact_wrote(meta)
    services.opt_out(policy, via=Via.PORTAL, note="Asked us on the phone")
    return policy


@pytest.fixture
def draft(tenant, opted_out):
    return services.create_message(tenant, channel="whatsapp_cloud", to=PHONE, body="A special offer")


@pytest.fixture
def sends(graph, django_capture_on_commit_callbacks):
    """Runs the block with on-commit hand-offs executed (eager Celery dispatches inline), then
    says how many messages reached the Graph API."""

    class Counter:
        def __enter__(self):
            self.capture = django_capture_on_commit_callbacks(execute=True)
            self.capture.__enter__()
            return self

        def __exit__(self, *exc):
            self.capture.__exit__(*exc)

        @property
        def count(self):
            return len(graph.sent())

    return Counter()


def status_of(message):
    return OutboundMessage.objects.get(pk=message.pk).status


def admin_action(client, admin_class, description_start, ids, extra=None, url=CHANGELIST):
    action = next(a for a in admin_class.actions if a.short_description.startswith(description_start)).__name__
    data = {"action": action, "_selected_action": [str(i) for i in ids]}
    page = client.post(url, data)
    assert page.status_code == 200 and b"Yes, do it" in page.content  # the confirmation page
    return client.post(url, {**data, "confirm": "yes", **(extra or {"reason": "Customer asked"})})


def test_api_approve_and_retry(tenant_api, draft, sends):
    with sends:
        assert tenant_api.post(f"{API}{draft.pk}/approve/").json()["status"] == "blocked_opt_out"
        response = tenant_api.post(f"{API}{draft.pk}/retry/")
        tenant_api.post(f"{API}process/")
    assert response.status_code == 400 and "still opted out" in response.json()["detail"]
    assert sends.count == 0 and status_of(draft) == Status.BLOCKED_OPT_OUT


def test_admin_bulk_approve_and_retry(client, staff, draft, sends):
    client.force_login(staff)
    with sends:
        admin_action(client, OutboundMessageAdmin, "Approve", [draft.pk])
        assert status_of(draft) == Status.BLOCKED_OPT_OUT
        response = admin_action(client, OutboundMessageAdmin, "Retry", [draft.pk])
    assert response.status_code == 302 and sends.count == 0
    assert status_of(draft) == Status.BLOCKED_OPT_OUT


def test_portal_approve_and_retry(owner_client, draft, sends):
    with sends:
        owner_client.post(f"/dashboard/outbound/{draft.pk}/approve/")
        page = owner_client.post(f"/dashboard/outbound/{draft.pk}/retry/", follow=True).content.decode()
    assert "still opted out" in page and sends.count == 0
    assert status_of(draft) == Status.BLOCKED_OPT_OUT


def test_an_automation_reply(tenant, meta, opted_out, sends):
    from apps.integrations import automation
    from apps.integrations.models import AutomationRun, ConversationMessage
    from tests.integrations.factories import InboundEventFactory

    bot = automation.create_bot(tenant, name="Concierge", workflow_path="webhook/concierge")
    inbound = ConversationMessage.objects.create(
        tenant=tenant,
        connection=meta,
        channel="whatsapp_cloud",
        provider_message_id="wamid.IN1",
        contact_id=PHONE,
        text="Hi",
        sent_at=timezone.now(),
    )
    run = AutomationRun.objects.create(
        tenant=tenant, bot=bot, message=inbound, status="running", started_at=timezone.now()
    )
    callback = InboundEventFactory(
        connection=meta,
        event_type="callback",
        payload={"run_id": run.pk, "status": "succeeded", "reply": "We have a deal for you"},
    )
    with sends:
        automation.finish(callback)
    reply = OutboundMessage.objects.get(automation_run=run)
    assert (reply.status, reply.source, reply.body) == (Status.BLOCKED_OPT_OUT, "automation", "We have a deal for you")
    assert sends.count == 0


def test_a_message_queued_before_the_opt_out_is_stopped_at_dispatch(tenant, meta, graph, sends):
    contact_wrote(meta)
    message = services.create_message(tenant, channel="whatsapp_cloud", to=PHONE, body="Reminder", approve=True)
    services.record_inbound(meta, PHONE, "STOP", received_at=timezone.now())
    with sends:
        services.process_due()
    assert status_of(message) == Status.BLOCKED_OPT_OUT
    assert [p["text"]["body"] for p in graph.sent()] == [OutboundMessage.objects.get(is_opt_out_confirmation=True).body]


def test_portal_opt_in_needs_the_confirmation_box(owner_client, opted_out, draft):
    url = f"/dashboard/outbound/contacts/{opted_out.pk}/opt-in/"
    page = owner_client.get(url).content.decode()
    assert "asked to receive messages from us again" in page
    response = owner_client.post(url, {"reason": "Called us"})
    assert response.status_code == 400 and "Tick the box" in response.content.decode()
    assert ContactChannelPolicy.objects.get(pk=opted_out.pk).opted_out


def test_confirmed_portal_opt_in_unlocks_and_is_audited(owner_client, people, opted_out, draft, sends):
    services.approve_message(draft)
    with sends:
        response = owner_client.post(
            f"/dashboard/outbound/contacts/{opted_out.pk}/opt-in/",
            {"contact_asked": "on", "reason": "She called and asked to get offers again", "requeue_blocked": "on"},
        )
    assert response.status_code == 302
    policy = ContactChannelPolicy.objects.get(pk=opted_out.pk)
    assert not policy.opted_out and policy.opted_in_via == "portal" and policy.opted_in_by == people.owner
    changes = AuditEvent.objects.filter(action="outbound.policy_changed", target_id=str(policy.pk)).order_by("id")
    assert list(changes.values_list("after__opted_out", flat=True)) == [True, False]
    assert changes.last().reason == "She called and asked to get offers again"
    assert status_of(draft) == Status.SENT and sends.count == 1


def test_admin_opt_in_needs_the_confirmation_too(client, staff, opted_out):
    client.force_login(staff)
    url = "/admin/outbound/contactchannelpolicy/"
    response = admin_action(
        client, ContactChannelPolicyAdmin, "Opt in", [opted_out.pk], url=url, extra={"reason": "Asked by email"}
    )
    assert response.status_code == 200 and b"Confirm that the contact asked" in response.content
    assert ContactChannelPolicy.objects.get(pk=opted_out.pk).opted_out
    admin_action(
        client,
        ContactChannelPolicyAdmin,
        "Opt in",
        [opted_out.pk],
        url=url,
        extra={"reason": "Asked by email", "contact_asked": "on"},
    )
    assert not ContactChannelPolicy.objects.get(pk=opted_out.pk).opted_out


def test_retry_after_opt_in_sends(tenant, opted_out, draft, staff, sends):
    services.approve_message(draft)
    services.opt_in(opted_out, via=Via.ADMIN, confirmed=True, actor=staff, note="Asked again")
    with sends:
        services.retry(draft, actor=staff)
    assert status_of(draft) == Status.SENT and sends.count == 1


def test_opt_in_without_confirmation_is_refused(opted_out):
    from apps.core.errors import ServiceError

    with pytest.raises(ServiceError, match="explicit confirmation"):
        services.opt_in(opted_out, via=Via.API, confirmed=False)
    assert ContactChannelPolicy.objects.get(pk=opted_out.pk).opted_out
