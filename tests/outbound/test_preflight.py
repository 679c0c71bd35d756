"""Preflight refusals, each stored on the message as a status and a reason with an event: the
tenant's switches and plan limit (through tenants.policy), opt-out, stop-on-reply, frequency cap
and the WhatsApp Cloud 24-hour window (templates pass it)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.events.models import AuditEvent, SystemEvent
from apps.outbound import preflight, services
from apps.outbound.models import Status, Via
from apps.tenants import services as tenant_services
from apps.tenants.models import UsageCounter
from apps.tenants.policy import PolicyInput
from apps.tenants.usage import increment
from tests.outbound.conftest import PHONE, contact_wrote, queued

pytestmark = pytest.mark.django_db
NOW = timezone.now()


def facts(**overrides):
    base = dict(
        channel="whatsapp_cloud",
        tenant=PolicyInput(),
        now=NOW,
        created_at=NOW - timedelta(minutes=5),
        last_inbound_at=NOW - timedelta(hours=1),
    )
    return preflight.Facts(**{**base, **overrides})


@pytest.mark.parametrize(
    "overrides, code, status",
    [
        ({}, "OK", None),
        ({"tenant": PolicyInput(suspended=True)}, "TENANT_SUSPENDED", Status.BLOCKED_POLICY),
        ({"tenant": PolicyInput(whatsapp_enabled=False)}, "WHATSAPP_DISABLED_TENANT", Status.BLOCKED_POLICY),
        ({"tenant": PolicyInput(global_whatsapp_enabled=False)}, "WHATSAPP_DISABLED_GLOBAL", Status.BLOCKED_POLICY),
        ({"channel": "telegram", "tenant": PolicyInput(whatsapp_enabled=False)}, "OK", None),
        (
            {"tenant": PolicyInput(monthly_message_limit=5, messages_this_month=5)},
            "MESSAGE_LIMIT_EXCEEDED",
            Status.BLOCKED_POLICY,
        ),
        ({"connection_active": False}, "CONNECTION_INACTIVE", Status.BLOCKED_POLICY),
        ({"opted_out": True}, "OPTED_OUT", Status.BLOCKED_OPT_OUT),
        ({"opted_out": True, "is_confirmation": True}, "OK", None),
        ({"stop_on_reply": True, "last_inbound_at": NOW - timedelta(minutes=1)}, "STOPPED_BY_REPLY", Status.CANCELED),
        ({"stop_on_reply": True, "last_inbound_at": NOW - timedelta(minutes=10)}, "OK", None),
        (
            {"cap": 3, "window_count": 3, "window_started_at": NOW - timedelta(hours=1)},
            "FREQUENCY_CAPPED",
            Status.FREQUENCY_CAPPED,
        ),
        ({"cap": 3, "window_count": 3, "window_started_at": NOW - timedelta(days=2)}, "OK", None),
        ({"cap": 3, "window_count": 3, "window_started_at": NOW, "is_confirmation": True}, "OK", None),
        ({"last_inbound_at": NOW - timedelta(hours=25)}, "WINDOW_CLOSED", Status.BLOCKED_POLICY),
        ({"last_inbound_at": None}, "WINDOW_CLOSED", Status.BLOCKED_POLICY),
        ({"last_inbound_at": None, "has_template": True}, "OK", None),
        ({"last_inbound_at": None, "channel": "waha"}, "OK", None),
    ],
)
def test_decide(overrides, code, status):
    verdict = preflight.decide(facts(**overrides))
    assert (verdict.code, verdict.status) == (code, status)


def test_frequency_cap_says_when_sending_resumes():
    verdict = preflight.decide(facts(cap=2, window_count=2, window_started_at=NOW - timedelta(hours=20)))
    assert verdict.retry_at == NOW + timedelta(hours=4)
    assert "2 of 2 messages in the current 1-day window" in verdict.reason


def test_free_text_outside_the_window_is_refused_with_a_clear_reason(tenant, meta):
    message = services.create_message(tenant, channel="whatsapp_cloud", to=PHONE, body="Special offer!", approve=True)
    assert message.status == Status.BLOCKED_POLICY and message.preflight_code == "WINDOW_CLOSED"
    assert "24-hour customer-service window is closed" in message.reason and "template" in message.reason
    assert AuditEvent.objects.filter(action="outbound.blocked", target_id=str(message.pk)).exists()
    assert SystemEvent.objects.get(code="OUTBOUND_BLOCKED").meta["preflight_code"] == "WINDOW_CLOSED"


def test_a_template_outside_the_window_is_queued(tenant, meta):
    message = queued(tenant, meta, template={"name": "appointment_reminder", "language": "en_US"})
    assert message.status == Status.QUEUED and message.preflight_code == "OK" and message.preflight_at


def test_the_window_reopens_when_the_contact_writes(tenant, meta):
    contact_wrote(meta, at=timezone.now() - timedelta(hours=30))
    blocked = services.create_message(tenant, channel="whatsapp_cloud", to=PHONE, body="Hi", approve=True)
    contact_wrote(meta)
    assert blocked.status == Status.BLOCKED_POLICY
    assert services.retry(blocked).status == Status.QUEUED


def test_plan_limit_blocks_with_message_limit_exceeded(tenant, meta):
    increment(tenant, UsageCounter.Metric.MESSAGES_SENT, tenant.plan.monthly_message_limit)
    message = queued(tenant, meta)
    assert message.status == Status.BLOCKED_POLICY and message.preflight_code == "MESSAGE_LIMIT_EXCEEDED"
    assert message.reason == "The plan's monthly message limit is reached."
    assert SystemEvent.objects.filter(code="MESSAGE_LIMIT_EXCEEDED", tenant=tenant).count() == 1


def test_kill_switches_are_decided_by_tenant_policy(tenant, meta, staff):
    tenant_services.disable_whatsapp(tenant, actor=staff, reason="Ban suspected")
    tenant.refresh_from_db()
    message = queued(tenant, meta)
    assert (message.status, message.preflight_code) == (Status.BLOCKED_POLICY, "WHATSAPP_DISABLED_TENANT")
    tenant_services.enable_whatsapp(tenant, actor=staff, reason="Cleared")
    tenant_services.set_global_whatsapp(False, actor=staff, reason="Redis down")
    message = services.retry(message)
    assert message.preflight_code == "WHATSAPP_DISABLED_GLOBAL" and message.status == Status.BLOCKED_POLICY


def test_a_switch_turned_off_after_queueing_stops_the_send_at_dispatch(tenant, meta, graph, staff):
    message = queued(tenant, meta)
    tenant_services.suspend(tenant, actor=staff, reason="Abuse")
    assert services.dispatch(message.pk) == Status.BLOCKED_POLICY
    message.refresh_from_db()
    assert message.preflight_code == "TENANT_SUSPENDED" and graph.requests == []


def test_opted_out_contact_is_blocked_with_when_and_how(tenant, meta):
    contact_wrote(meta)
    services.opt_out(services.contact_policy(tenant, "whatsapp_cloud", PHONE), via=Via.PORTAL, note="Asked by phone")
    message = services.create_message(tenant, channel="whatsapp_cloud", to=PHONE, body="Hi", approve=True)
    assert message.status == Status.BLOCKED_OPT_OUT
    assert "opted out on" in message.reason and "Portal: Asked by phone" in message.reason


def test_frequency_cap_holds_then_releases_when_the_window_ends(tenant, meta, graph, settings):
    settings.OUTBOUND_CONTACT_INTERVAL_S = 0
    services.set_tenant_settings(tenant, frequency_cap=2, frequency_window_s=3600)
    first, second, third = (queued(tenant, meta, body=f"Update {n}") for n in range(3))
    assert [services.dispatch(m.pk) for m in (first, second, third)] == [
        Status.SENT,
        Status.SENT,
        Status.FREQUENCY_CAPPED,
    ]
    third.refresh_from_db()
    assert "Frequency cap reached: 2 of 2" in third.reason
    later = third.next_attempt_at + timedelta(seconds=1)
    assert services.process_due(tenant=tenant, now=later)["released"] == 1
    assert services.dispatch(third.pk, now=later) == Status.SENT


def test_contact_cap_overrides_the_tenant_default(tenant, meta, graph, settings):
    settings.OUTBOUND_CONTACT_INTERVAL_S = 0
    contact_wrote(meta)
    services.update_policy(
        services.contact_policy(tenant, "whatsapp_cloud", PHONE),
        stop_on_reply=False,
        frequency_cap=1,
        frequency_window_s=600,
    )
    first, second = queued(tenant, meta), queued(tenant, meta)
    assert [services.dispatch(m.pk) for m in (first, second)] == [Status.SENT, Status.FREQUENCY_CAPPED]
    assert AuditEvent.objects.filter(action="outbound.policy_changed").exists()


def test_failed_sends_give_their_count_back(tenant, meta, graph, settings):
    from tests.fakes import graph as replies

    settings.OUTBOUND_CONTACT_INTERVAL_S = 0
    services.set_tenant_settings(tenant, frequency_cap=1, frequency_window_s=3600)
    graph.script(replies.window_closed())
    first, second = queued(tenant, meta), queued(tenant, meta)
    assert [services.dispatch(m.pk) for m in (first, second)] == [Status.FAILED, Status.SENT]
