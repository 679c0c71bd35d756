"""Under real concurrency on PostgreSQL (threads, each with its own connection): a frequency cap
holds under 20 concurrent dispatches, the token bucket hands out no more than it has, and a
token expiry seen by many sends at once pauses the connection with one META_TOKEN_EXPIRED."""

import threading

import pytest
from django.db import connection as db_connection
from django.db import transaction
from django.utils import timezone

from apps.core import db_context
from apps.events.models import SystemEvent
from apps.integrations import services as integration_services
from apps.outbound import pacing, services
from apps.outbound.models import OutboundMessage, Status
from tests.outbound.conftest import PHONE, contact_wrote

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _tasks_wait_in_the_broker(_eager_celery):
    """Approving publishes the dispatch tasks to the real broker, where no worker takes them, so
    the test's own threads are the only dispatchers (as 20 worker processes would be)."""
    from config.celery import app

    app.conf.task_always_eager = False
    yield
    app.control.purge()
    app.conf.task_always_eager = True


def at_once(target, args_list):
    barrier, results = threading.Barrier(len(args_list)), []

    def run(*args):
        try:
            barrier.wait()
            with db_context.platform_context():  # a thread starts with no context; workers act so
                results.append(target(*args))
        finally:
            db_connection.close()

    threads = [threading.Thread(target=run, args=args) for args in args_list]
    [t.start() for t in threads]
    [t.join(30) for t in threads]
    return results


def twenty_queued(tenant, meta, to=lambda n: PHONE):
    for n in range(20):
        contact_wrote(meta, contact=to(n))
    return [
        services.create_message(tenant, channel="whatsapp_cloud", to=to(n), body=f"Update {n}", approve=True).pk
        for n in range(20)
    ]


def test_frequency_cap_holds_under_20_concurrent_dispatches(tenant, meta, graph, settings):
    settings.OUTBOUND_CONTACT_INTERVAL_S = 0
    services.set_tenant_settings(tenant, frequency_cap=3, frequency_window_s=3600)
    ids = twenty_queued(tenant, meta)
    results = at_once(services.dispatch, [(pk,) for pk in ids])
    assert sorted(results).count(Status.SENT) == 3 and results.count(Status.FREQUENCY_CAPPED) == 17
    assert len(graph.sent()) == 3
    assert services.contact_policy(tenant, "whatsapp_cloud", PHONE).window_count == 3


def test_contact_spacing_holds_under_20_concurrent_dispatches(tenant, meta, graph):
    ids = twenty_queued(tenant, meta)
    results = at_once(services.dispatch, [(pk,) for pk in ids])
    assert results.count(Status.SENT) == 1 and results.count("deferred") == 19
    assert OutboundMessage.objects.filter(status=Status.QUEUED).count() == 19


def test_the_bucket_hands_out_no_more_than_it_holds(db):
    pace, now = pacing.Pace(rate=0.001, capacity=5), timezone.now()

    def take():
        with transaction.atomic():
            return pacing.take("shared", pace, now=now)

    assert at_once(take, [()] * 20).count(0.0) == 5


def test_token_expiry_seen_by_many_sends_pauses_once(tenant, meta, graph):
    integration_services.update_connection(meta, values={"access_token": "expired-token"})
    ids = twenty_queued(tenant, meta, to=lambda n: f"49151000001{n:02d}")
    results = at_once(services.dispatch, [(pk,) for pk in ids])
    meta.refresh_from_db()
    assert meta.is_sending_paused
    assert SystemEvent.objects.filter(code="META_TOKEN_EXPIRED").count() == 1
    assert set(results) == {"held"}
    assert not OutboundMessage.objects.exclude(status=Status.QUEUED).exists()
    assert not SystemEvent.objects.filter(code="META_SEND_FAIL").exists()
