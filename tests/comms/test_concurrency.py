"""Under real concurrency on PostgreSQL (threads, each with its own connection): requests to
subscribe one address at once pass the rate limit no more often than it allows, and fan-outs of
one announcement at once make one e-mail per subscriber."""

import threading

import pytest
from django.db import connection as db_connection
from django.utils import timezone

from apps.comms.models import Delivery, SubscribeAttempt, Subscriber
from apps.comms.services import announcements, subscriptions
from apps.core import db_context
from apps.core.errors import ServiceError
from tests.incidents.factories import make_incident

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _tasks_wait_in_the_broker(_eager_celery):
    """Tasks go to the real broker, where no worker takes them: the threads are the only actors."""
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
    [thread.start() for thread in threads]
    [thread.join(30) for thread in threads]
    return results


def try_subscribe(email, ip):
    try:
        subscriptions.subscribe(email, ip=ip)
        return "accepted"
    except ServiceError as exc:
        return exc.code


def test_the_per_address_limit_holds_when_requests_arrive_at_once():
    results = at_once(try_subscribe, [("victim@example.test", f"10.8.0.{n}") for n in range(8)])
    assert sorted(results).count("accepted") == subscriptions.MAX_PER_ADDRESS
    assert results.count("rate_limited") == 8 - subscriptions.MAX_PER_ADDRESS
    assert SubscribeAttempt.objects.count() == subscriptions.MAX_PER_ADDRESS
    assert Subscriber.objects.count() == 1


def test_concurrent_fan_outs_make_one_email_per_subscriber(staff):
    now = timezone.now()
    Subscriber.objects.bulk_create(
        [Subscriber(email=f"s{n}@example.test", state="confirmed", confirmed_at=now) for n in range(50)]
    )
    incident = make_incident(staff)
    incident.public_update = "Delayed sends."
    announcement = announcements.public_update_changed(incident, timezone.now())

    made = at_once(announcements.fan_out, [(announcement.pk,)] * 4)
    assert sorted(made) == [0, 0, 0, 50]
    assert Delivery.objects.filter(audience="subscriber").count() == 50
