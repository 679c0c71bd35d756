"""A drain of one WhatsApp Cloud number claims ahead of its bucket and lets one request out per
slot of 1/pace s: every message is sent once, their `sent_at` are the slots (never two closer than
1/pace, so no second holds more than the pace), and the cap counters are written as counted."""

from collections import Counter

import pytest

from apps.outbound import services
from apps.outbound.models import ContactChannelPolicy, OutboundMessage, Status
from apps.outbound.services import dispatcher
from tests.outbound.test_batch_dispatch import templates

pytestmark = pytest.mark.django_db


@pytest.fixture
def pace_40(settings):
    settings.OUTBOUND_META_RATE_PER_S = 40
    settings.OUTBOUND_META_BURST = 1
    settings.OUTBOUND_META_LOOKAHEAD_S = 0.25
    settings.OUTBOUND_DISPATCH_BATCH = 8


def test_a_paced_drain_sends_everything_once_one_slot_apart(tenant, meta, graph, pace_40):
    ids = templates(tenant, meta, 30)
    assert services.drain(meta.pk) == {Status.SENT: 30}
    assert len(graph.sent()) == 30 and len({p["to"] for p in graph.sent()}) == 30
    stamps = sorted(OutboundMessage.objects.filter(pk__in=ids).values_list("sent_at", flat=True))
    gaps = [(later - earlier).total_seconds() for earlier, later in zip(stamps, stamps[1:], strict=False)]
    assert min(gaps) >= 1 / 40 - 1e-6


def test_a_drain_counts_each_send_against_its_contact(tenant, meta, graph, pace_40):
    ids = templates(tenant, meta, 10, to=lambda n: f"4915100000{n % 2:03d}")
    services.drain(meta.pk)
    sent = Counter(OutboundMessage.objects.filter(pk__in=ids, status=Status.SENT).values_list("contact_id", flat=True))
    for policy in ContactChannelPolicy.objects.filter(contact_id__in=sent):
        assert policy.window_count == sent[policy.contact_id] and policy.last_sent_at is not None


def test_a_run_batch_is_not_paced_and_takes_only_what_the_bucket_holds(tenant, meta, graph, pace_40):
    templates(tenant, meta, 5)
    assert dispatcher.run_batch(meta.pk).results == {Status.SENT: 1}
