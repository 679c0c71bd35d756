"""The batch preflight gives the same verdict as the single-message check, for every rule: the
contact's opt-out, stop-on-reply, caps and the 24-hour window, the connection, and the tenant's
switches and plan limit, with many contacts on three channels loaded in one batch."""

from datetime import timedelta

import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.integrations.models import Connection
from apps.outbound import batch_preflight, preflight, services
from apps.outbound.models import ContactChannelPolicy, OutboundMessage, Via
from apps.tenants import services as tenant_services
from apps.tenants.models import UsageCounter
from apps.tenants.usage import increment
from tests.outbound.conftest import contact_wrote

pytestmark = pytest.mark.django_db
TEMPLATE = {"name": "booking_confirmation", "language": "en_US", "parameters": ["Ada"]}


def draft(tenant, connection, to, **kwargs):
    channel = {"meta": "whatsapp_cloud", "waha": "waha", "telegram": "telegram"}[connection.provider]
    body = None if "template" in kwargs else "Your table is ready."
    return services.create_message(tenant, channel=channel, to=to, body=body, connection=connection, **kwargs)


def capped(tenant, channel, contact, count):
    policy = services.contact_policy(tenant, channel, contact)
    ContactChannelPolicy.objects.filter(pk=policy.pk).update(
        window_count=count, window_started_at=timezone.now() - timedelta(minutes=30)
    )


def contact_cases(tenant, meta, waha, telegram, staff):
    """One message per case, each to its own contact: (expected code, message)."""
    cases = [("OK", draft(tenant, meta, "4915100000001", template=TEMPLATE))]
    cases.append(("WINDOW_CLOSED", draft(tenant, meta, "4915100000002")))
    contact_wrote(meta, "4915100000003")
    cases.append(("OK", draft(tenant, meta, "4915100000003")))
    contact_wrote(meta, "4915100000004", at=timezone.now() - timedelta(hours=25))
    cases.append(("WINDOW_CLOSED", draft(tenant, meta, "4915100000004")))
    for n, confirmation in ((5, False), (6, True)):
        contact = f"491510000000{n}"
        contact_wrote(meta, contact)
        services.opt_out(services.contact_policy(tenant, "whatsapp_cloud", contact), via=Via.KEYWORD, note="STOP")
        message = draft(tenant, meta, contact, is_opt_out_confirmation=confirmation)
        cases.append(("OK" if confirmation else "OPTED_OUT", message))
    message = draft(tenant, meta, "4915100000007", template=TEMPLATE, stop_on_reply=True)
    contact_wrote(meta, "4915100000007")
    cases.append(("STOPPED_BY_REPLY", message))
    contact_wrote(meta, "4915100000008")
    capped(tenant, "whatsapp_cloud", "4915100000008", 10)
    cases.append(("FREQUENCY_CAPPED", draft(tenant, meta, "4915100000008")))
    policy = services.contact_policy(tenant, "waha", "4915100000009")
    services.update_policy(policy, stop_on_reply=False, frequency_cap=2, frequency_window_s=3600, actor=staff)
    capped(tenant, "waha", "4915100000009", 2)
    cases.append(("FREQUENCY_CAPPED", draft(tenant, waha, "4915100000009")))
    cases.append(("OK", draft(tenant, waha, "4915100000010")))
    cases.append(("OK", draft(tenant, telegram, "123456789")))
    return cases


def loaded(messages):
    return list(
        OutboundMessage.objects.select_related("tenant__plan", "connection").filter(
            pk__in=[message.pk for message in messages]
        )
    )


def assert_same_verdicts(messages, expected=None):
    now, messages = timezone.now(), loaded(messages)
    single = {
        message.pk: preflight.check(
            message, services.contact_policy(message.tenant, message.channel, message.contact_id), now
        )
        for message in messages
    }
    batch = batch_preflight.verdicts(messages, batch_preflight.load(messages, now))
    assert batch == single
    if expected is not None:
        assert {pk: verdict.code for pk, verdict in batch.items()} == expected


def test_every_contact_rule_gives_the_same_verdict_in_one_batch(tenant, meta, waha, telegram, staff):
    cases = contact_cases(tenant, meta, waha, telegram, staff)
    assert_same_verdicts([message for _, message in cases], {message.pk: code for code, message in cases})


def suspended(tenant, staff, connections):
    tenant_services.suspend(tenant, actor=staff, reason="Abuse")


def whatsapp_off(tenant, staff, connections):
    tenant_services.disable_whatsapp(tenant, actor=staff, reason="Ban suspected")


def global_off(tenant, staff, connections):
    tenant_services.set_global_whatsapp(False, actor=staff, reason="Provider outage")


def limit_reached(tenant, staff, connections):
    increment(tenant, UsageCounter.Metric.MESSAGES_SENT, tenant.plan.monthly_message_limit)


def connection_off(tenant, staff, connections):
    Connection.objects.filter(pk=connections[0].pk).update(is_active=False)


@pytest.mark.parametrize("switch", [suspended, whatsapp_off, global_off, limit_reached, connection_off])
def test_tenant_switches_limits_and_connections_give_the_same_verdicts(tenant, meta, waha, telegram, staff, switch):
    messages = [message for _, message in contact_cases(tenant, meta, waha, telegram, staff)]
    switch(tenant, staff, [meta, waha, telegram])
    assert_same_verdicts(messages)


def test_contacts_without_a_policy_get_one_and_the_same_verdict(tenant, meta):
    messages = [draft(tenant, meta, f"49151000002{n:02d}", template=TEMPLATE) for n in range(5)]
    ContactChannelPolicy.objects.all().delete()
    assert_same_verdicts(messages, {message.pk: "OK" for message in messages})
    assert ContactChannelPolicy.objects.count() == 5


def test_a_batch_costs_the_same_few_queries_however_many_messages(tenant, meta):
    def queries(count):
        messages = loaded([draft(tenant, meta, f"4915100{count:03d}{n:03d}", template=TEMPLATE) for n in range(count)])
        with CaptureQueriesContext(db_connection) as captured:
            batch_preflight.verdicts(messages, batch_preflight.load(messages, timezone.now()))
        return len(captured)

    queries(1)  # the first load caches what every later one reuses
    assert queries(40) == queries(2) <= 8
