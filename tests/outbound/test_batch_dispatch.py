"""The per-connection dispatcher, against the local provider servers: a batch sends every due
message once and takes no more than the token bucket holds; preflight, caps, spacing and the plan
limit count the sends earlier in the same batch; one failed send leaves the others sent; a paused
connection holds its batch; WAHA keeps its pace; a batch whose worker died is failed by the
sweeper, never sent again."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.events.models import AuditEvent
from apps.outbound import pacing, services
from apps.outbound.models import OutboundAttempt, OutboundMessage, SendBucket, Status, Via
from apps.outbound.services import dispatcher
from apps.tenants.models import UsageCounter
from tests.fakes.graph import not_on_whatsapp, server_error
from tests.outbound.conftest import PHONE, queued

pytestmark = pytest.mark.django_db
TEMPLATE = {"name": "booking_confirmation", "language": "en_US", "parameters": ["Ada"]}


def contact(n):
    return f"49151000{n:05d}"


def templates(tenant, meta, count, to=contact):
    return [queued(tenant, meta, to=to(n), template=TEMPLATE).pk for n in range(count)]


def statuses(ids):
    rows = OutboundMessage.objects.filter(pk__in=ids)
    return sorted(rows.values_list("status", flat=True))


def test_a_drain_sends_every_due_message_once_and_records_them_in_bulk(tenant, meta, graph):
    ids = templates(tenant, meta, 12)
    assert services.drain(meta.pk) == {Status.SENT: 12}
    assert sorted(payload["to"] for payload in graph.sent()) == [contact(n) for n in range(12)]
    assert statuses(ids) == [Status.SENT] * 12
    assert all(m.provider_message_id.startswith("wamid.") for m in OutboundMessage.objects.filter(pk__in=ids))
    assert OutboundAttempt.objects.filter(message_id__in=ids, outcome="success", number=1).count() == 12
    assert UsageCounter.objects.get(tenant=tenant, metric=UsageCounter.Metric.MESSAGES_SENT).value == 12
    assert AuditEvent.objects.filter(action="outbound.sent", tenant=tenant).count() == 12


def test_a_second_drain_finds_nothing_to_do(tenant, meta, graph):
    templates(tenant, meta, 3)
    services.drain(meta.pk)
    assert services.drain(meta.pk) == {}
    assert len(graph.sent()) == 3


def test_a_batch_takes_no_more_than_the_bucket_holds(tenant, meta, graph, settings):
    """The claims' clock is given, so however long the sends take on a loaded machine the bucket
    has refilled exactly 100 ms (half a token at 5/s) when the next batch comes."""
    settings.OUTBOUND_META_RATE_PER_S = 5
    ids = templates(tenant, meta, 12)
    claimed_at = timezone.now()

    batch = dispatcher.run_batch(meta.pk, now=claimed_at)

    assert batch.results == {Status.SENT: 5}
    assert statuses(ids).count(Status.QUEUED) == 7 and len(graph.sent()) == 5
    assert SendBucket.objects.get(key=pacing.connection_key(meta)).tokens == pytest.approx(0, abs=1e-9)
    soon = dispatcher.run_batch(meta.pk, now=claimed_at + timedelta(milliseconds=100))
    assert soon.results == {} and soon.wait == pytest.approx(0.1, abs=0.001)  # the other half token: 100 ms
    assert statuses(ids).count(Status.QUEUED) == 7 and len(graph.sent()) == 5


def test_an_opted_out_contact_in_a_batch_is_never_sent_to(tenant, meta, graph):
    ids = templates(tenant, meta, 5)
    services.opt_out(services.contact_policy(tenant, "whatsapp_cloud", contact(2)), via=Via.KEYWORD, note="STOP")
    assert services.drain(meta.pk) == {Status.SENT: 4, Status.BLOCKED_OPT_OUT: 1}
    assert contact(2) not in [payload["to"] for payload in graph.sent()]
    assert OutboundMessage.objects.get(pk=ids[2]).status == Status.BLOCKED_OPT_OUT


def test_the_frequency_cap_counts_sends_earlier_in_the_batch(tenant, meta, graph, settings):
    settings.OUTBOUND_CONTACT_INTERVAL_S = 0
    services.set_tenant_settings(tenant, frequency_cap=3, frequency_window_s=3600)
    templates(tenant, meta, 6, to=lambda n: PHONE)
    assert services.drain(meta.pk) == {Status.SENT: 3, Status.FREQUENCY_CAPPED: 3}
    assert services.contact_policy(tenant, "whatsapp_cloud", PHONE).window_count == 3
    assert len(graph.sent()) == 3


def test_a_contact_gets_one_message_of_a_batch_and_the_rest_wait_their_spacing(tenant, meta, graph):
    ids = templates(tenant, meta, 4, to=lambda n: PHONE)
    assert services.drain(meta.pk) == {Status.SENT: 1, "deferred": 3}
    waiting = OutboundMessage.objects.filter(pk__in=ids, status=Status.QUEUED)
    assert waiting.count() == 3 and all(m.next_attempt_at > timezone.now() for m in waiting)


def test_the_plan_limit_counts_sends_earlier_in_the_batch(tenant, meta, graph):
    templates(tenant, meta, 5)
    tenant.plan.monthly_message_limit = 3
    tenant.plan.save()
    assert services.drain(meta.pk) == {Status.SENT: 3, Status.BLOCKED_POLICY: 2}
    assert OutboundMessage.objects.filter(preflight_code="MESSAGE_LIMIT_EXCEEDED").count() == 2


def test_one_permanent_error_leaves_the_others_sent(tenant, meta, graph):
    ids = templates(tenant, meta, 6)
    graph.script(not_on_whatsapp())
    assert services.drain(meta.pk) == {Status.SENT: 5, Status.FAILED: 1}
    failed = OutboundMessage.objects.get(pk__in=ids, status=Status.FAILED)
    assert failed.last_error_code == "131026"
    assert OutboundAttempt.objects.filter(message_id__in=ids).count() == 6


def test_a_retryable_error_in_a_batch_waits_for_its_retry(tenant, meta, graph):
    ids = templates(tenant, meta, 4)
    graph.script(server_error())
    assert services.drain(meta.pk) == {Status.SENT: 3, Status.QUEUED: 1}
    retry = OutboundMessage.objects.get(pk__in=ids, status=Status.QUEUED)
    assert retry.next_attempt_at > timezone.now() and retry.round_attempts == 1


def test_a_paused_connection_holds_its_batch(tenant, meta, graph, staff):
    ids = templates(tenant, meta, 3)
    services.pause_sending(meta, actor=staff, reason="Template review")
    assert services.drain(meta.pk) == {"held": 3}
    assert statuses(ids) == [Status.QUEUED] * 3 and graph.sent() == []


def test_waha_keeps_its_slower_pace_in_batches(tenant, waha, waha_server):
    ids = [queued(tenant, waha, to=contact(n)).pk for n in range(3)]
    assert services.drain(waha.pk) == {Status.SENT: 1}
    assert statuses(ids).count(Status.QUEUED) == 2
    assert dispatcher.run_batch(waha.pk).wait > 2.5  # the interval, less the time since the send, plus jitter


def test_a_batch_whose_worker_died_is_failed_by_the_sweeper_and_never_sent_again(tenant, meta, graph, settings):
    ids = templates(tenant, meta, 4)
    batch = dispatcher.claim(meta, timezone.now(), 10)  # the worker dies before it sends
    assert len(batch.sending) == 4 and statuses(ids) == [Status.SENDING] * 4
    later = timezone.now() + timedelta(seconds=settings.OUTBOUND_SENDING_STUCK_S + 1)
    assert services.process_due(now=later)["stuck_failed"] == 4
    assert services.drain(meta.pk) == {} and graph.sent() == []
    assert set(OutboundMessage.objects.filter(pk__in=ids).values_list("last_error_code", flat=True)) == {
        "outcome_unknown"
    }


def test_a_smaller_burst_caps_a_batch_below_one_seconds_worth(tenant, meta, graph, settings):
    settings.OUTBOUND_META_BURST = 3
    ids = templates(tenant, meta, 5)
    assert dispatcher.run_batch(meta.pk).results == {Status.SENT: 3}
    assert statuses(ids).count(Status.QUEUED) == 2
