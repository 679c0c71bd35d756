"""The data migration that puts stored contact ids in canonical form: messages are rewritten, and a
policy stored under `+٣٩…` merges into the contact's canonical policy keeping the strictest of
each (opted out if either was)."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.utils import timezone

from apps.outbound.models import ContactChannelPolicy, OutboundMessage, Via
from tests.outbound.conftest import queued

pytestmark = pytest.mark.django_db
migration = importlib.import_module("apps.outbound.migrations.0003_canonical_contact_ids")
CANONICAL = "393331234567"


def stored_as_given(tenant, contact_id, **fields):
    return ContactChannelPolicy.objects.create(tenant=tenant, channel="waha", contact_id=contact_id, **fields)


def test_policies_of_one_contact_merge_keeping_the_strictest(tenant):
    now = timezone.now()
    keeper = stored_as_given(tenant, CANONICAL, frequency_cap=10, window_count=2, last_sent_at=now)
    stored_as_given(
        tenant,
        "+٣٩٣٣٣١٢٣٤٥٦٧",
        opted_out=True,
        opted_out_at=now,
        opted_out_via=Via.KEYWORD,
        opted_out_note="STOP",
        stop_on_reply=True,
        frequency_cap=3,
        window_count=1,
    )
    stored_as_given(tenant, "＋３９３３３１２３４５６７", frequency_window_s=86400, contact_name="Grace")
    migration.forwards(django_apps, None)
    policy = ContactChannelPolicy.objects.get()
    assert policy.pk == keeper.pk and policy.contact_id == CANONICAL
    assert (policy.opted_out, policy.opted_out_via, policy.opted_out_note) == (True, Via.KEYWORD, "STOP")
    assert (policy.stop_on_reply, policy.frequency_cap, policy.frequency_window_s) == (True, 3, 86400)
    assert (policy.window_count, policy.last_sent_at, policy.contact_name) == (3, now, "Grace")


def test_a_lone_policy_and_messages_are_rewritten(tenant, waha):
    stored_as_given(tenant, "٣٩٣٣٣٩٨٧٦٥٤٣", opted_out=True)
    message = queued(tenant, waha, to="+393331234567")
    OutboundMessage.objects.filter(pk=message.pk).update(contact_id="٣٩٣٣٣١٢٣٤٥٦٧")
    migration.forwards(django_apps, None)
    assert ContactChannelPolicy.objects.get(contact_id="393339876543").opted_out
    assert OutboundMessage.objects.get(pk=message.pk).contact_id == CANONICAL
