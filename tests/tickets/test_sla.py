"""Acceptance: an urgent ticket with a one-hour first-response target breaches at one hour of
business time, not while pending; the breach emits an event and the ticket is in the
breaching-soon queue before it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.core import db_context
from apps.events import metrics
from apps.events.models import SystemEvent
from apps.tickets import services, sla
from apps.tickets.admin import breaching_soon
from apps.tickets.models import SlaPolicy, Status, Ticket
from tests.tickets.factories import MONDAY_10_BERLIN, make_ticket

pytestmark = pytest.mark.django_db
T0 = MONDAY_10_BERLIN


@pytest.fixture
def berlin_tenant(tenant):
    tenant.timezone = "Europe/Berlin"
    tenant.save()
    return tenant


def minutes(n):
    return T0 + timedelta(minutes=n)


def breaches(ticket):
    return SystemEvent.objects.filter(code="SLA_BREACHED", meta__ticket_id=ticket.pk)


def test_default_urgent_policy_is_one_hour_of_business_hours(berlin_tenant):
    ticket = make_ticket(berlin_tenant, priority="urgent", now=T0)
    policy = SlaPolicy.objects.get(plan=None, priority="urgent")
    assert (policy.first_response_minutes, policy.business_hours) == (60, True)
    assert ticket.first_response_due_at == minutes(60)
    assert ticket.sla_next_due_at == minutes(60)


def test_urgent_ticket_breaches_at_one_hour_of_business_time(berlin_tenant, staff):
    ticket = make_ticket(berlin_tenant, priority="urgent", now=T0)

    assert breaching_soon(Ticket.objects.all(), now=minutes(30)).filter(pk=ticket.pk).exists()
    assert sla.mark_breaches(now=minutes(59))["breached"] == 0
    assert not breaches(ticket).exists()

    assert sla.mark_breaches(now=minutes(61))["breached"] == 1
    ticket.refresh_from_db()
    assert ticket.first_response_breached_at == minutes(61)
    event = breaches(ticket).get()
    assert event.tenant == berlin_tenant and event.level == "error"
    assert event.meta["target"] == "first_response" and event.meta["priority"] == "urgent"


def test_breach_is_marked_exactly_once(berlin_tenant):
    ticket = make_ticket(berlin_tenant, priority="urgent", now=T0)
    assert sla.mark_breaches(now=minutes(61))["breached"] == 1
    assert sla.mark_breaches(now=minutes(62))["breached"] == 0
    assert breaches(ticket).count() == 1
    ticket.refresh_from_db()
    assert ticket.first_response_breached_at == minutes(61)


def test_clock_pauses_while_pending(berlin_tenant, staff):
    ticket = make_ticket(berlin_tenant, priority="urgent", now=T0)
    services.change_status(ticket, Status.PENDING, actor=staff, now=minutes(20))

    assert sla.mark_breaches(now=minutes(120))["breached"] == 0
    assert not breaching_soon(Ticket.objects.all(), now=minutes(120)).filter(pk=ticket.pk).exists()

    services.customer_reply(ticket, "Any news?", now=minutes(120))  # reopens: 40 minutes left
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert ticket.first_response_due_at == minutes(160)
    assert sla.mark_breaches(now=minutes(159))["breached"] == 0
    assert sla.mark_breaches(now=minutes(161))["breached"] == 1
    assert breaches(ticket).count() == 1


def test_business_hours_carry_over_the_weekend(berlin_tenant):
    friday_17_30 = T0 + timedelta(days=4, hours=7, minutes=30)
    ticket = make_ticket(berlin_tenant, priority="urgent", now=friday_17_30)
    monday_9_30 = T0 + timedelta(days=7, minutes=-30)
    assert ticket.first_response_due_at == monday_9_30
    assert sla.mark_breaches(now=friday_17_30 + timedelta(hours=20))["breached"] == 0
    assert sla.mark_breaches(now=monday_9_30 - timedelta(minutes=1))["breached"] == 0
    assert sla.mark_breaches(now=monday_9_30 + timedelta(minutes=1))["breached"] == 1


def test_first_reply_meets_the_target_and_records_the_minutes(berlin_tenant, staff):
    ticket = make_ticket(berlin_tenant, priority="urgent", now=T0)
    services.reply(ticket, "We are on it.", actor=staff, now=minutes(25))
    ticket.refresh_from_db()
    assert (ticket.first_response_at, ticket.first_response_minutes) == (minutes(25), 25)
    assert ticket.status == Status.PENDING
    assert sla.mark_breaches(now=minutes(300))["breached"] == 0


def test_next_response_clock_starts_on_the_customer_reply(berlin_tenant, staff):
    ticket = make_ticket(berlin_tenant, priority="urgent", now=T0)
    services.reply(ticket, "Please check the token.", actor=staff, now=minutes(10))
    services.customer_reply(ticket, "Still broken.", now=minutes(30))
    ticket.refresh_from_db()
    assert ticket.next_response_due_at == minutes(30 + 120)
    assert sla.mark_breaches(now=minutes(151))["breached"] == 1
    ticket.refresh_from_db()
    assert ticket.next_response_breached_at == minutes(151)
    assert ticket.first_response_breached_at is None


def test_priority_change_brings_the_new_targets(berlin_tenant, staff):
    ticket = make_ticket(berlin_tenant, priority="normal", now=T0)
    assert ticket.first_response_due_at == minutes(8 * 60)
    services.set_priority(ticket, "urgent", actor=staff, now=minutes(5))
    ticket.refresh_from_db()
    assert ticket.first_response_due_at == minutes(60)


def test_plan_policy_wins_over_the_default(berlin_tenant):
    SlaPolicy.objects.create(
        plan=berlin_tenant.plan,
        priority="high",
        first_response_minutes=15,
        next_response_minutes=30,
        resolution_minutes=120,
        business_hours=False,
        business_weekdays=[0, 1, 2, 3, 4],
    )
    saturday = T0 + timedelta(days=5)
    ticket = make_ticket(berlin_tenant, priority="high", now=saturday)
    assert ticket.first_response_due_at == saturday + timedelta(minutes=15)


def test_breaching_soon_queue_lists_nearest_first_and_skips_paused(tenant, staff):
    now = timezone.now()
    SlaPolicy.objects.filter(plan=None).update(business_hours=False)
    later = make_ticket(tenant, subject="later", priority="urgent", now=now - timedelta(minutes=10))
    sooner = make_ticket(tenant, subject="sooner", priority="urgent", now=now - timedelta(minutes=40))
    paused = make_ticket(tenant, subject="paused", priority="urgent", now=now - timedelta(minutes=50))
    services.change_status(paused, Status.PENDING, actor=staff)
    make_ticket(tenant, subject="far", priority="low", now=now)
    queue = list(breaching_soon(Ticket.objects.all(), now=now).values_list("subject", flat=True))
    assert queue == ["sooner", "later"]
    assert sooner.sla_next_due_at < later.sla_next_due_at


def test_breaching_soon_queue_in_the_admin(client, tenant, staff):
    SlaPolicy.objects.filter(plan=None).update(business_hours=False)
    now = timezone.now()
    ticket = make_ticket(tenant, subject="Urgent breach coming", priority="urgent", now=now - timedelta(minutes=45))
    make_ticket(tenant, subject="Quiet low ticket", priority="low", now=now)
    client.force_login(staff)
    page = client.get("/admin/tickets/ticket/", {"queue": "breaching"}).content.decode()
    assert "Urgent breach coming" in page and "Quiet low ticket" not in page
    assert "first response due in" in page
    assert sla.mark_breaches(now=now + timedelta(minutes=16))["breached"] == 1
    assert breaches(ticket).exists()


def test_metrics_for_the_seeded_alert_rules(berlin_tenant, staff):
    window = timedelta(hours=1)
    assert metrics.compute("avg_first_response_minutes", window, minutes(60)) is None
    first = make_ticket(berlin_tenant, priority="urgent", now=T0)
    second = make_ticket(berlin_tenant, priority="urgent", now=T0)
    services.reply(first, "On it", actor=staff, now=minutes(10))
    services.reply(second, "On it", actor=staff, now=minutes(30))
    assert metrics.compute("avg_first_response_minutes", window, minutes(60)) == 20
    make_ticket(berlin_tenant, priority="urgent", now=T0)
    sla.mark_breaches(now=minutes(61))
    assert metrics.compute("sla_breaches", window, minutes(62)) == 1
    assert metrics.compute("sla_breaches", window, minutes(200)) == 0


def test_the_breach_job_is_registered_every_minute():
    from apps.jobs import registry

    job = registry.get("tickets.mark_sla_breaches")
    assert job.every == timedelta(minutes=1)
    assert registry.get("tickets.close_solved")


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_breach_once(tenant):
    """Two sweeps at once on PostgreSQL: the conditional UPDATE lets exactly one claim the breach."""
    import threading

    from django.db import connection

    tenant.timezone = "Europe/Berlin"
    tenant.save()
    # Transactional tests run on a flushed database, without the migration's default policies.
    SlaPolicy.objects.get_or_create(
        plan=None,
        priority="urgent",
        defaults={
            "first_response_minutes": 60,
            "next_response_minutes": 120,
            "resolution_minutes": 480,
            "business_weekdays": [0, 1, 2, 3, 4],
        },
    )
    tickets = [make_ticket(tenant, priority="urgent", now=T0) for _ in range(5)]
    barrier, results = threading.Barrier(2), []

    def sweep():
        barrier.wait()
        try:
            with db_context.platform_context():  # a thread starts with no context; the beat job acts so
                results.append(sla.mark_breaches(now=minutes(61))["breached"])
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(results) == 5
    assert SystemEvent.objects.filter(code="SLA_BREACHED").count() == 5
    assert all(breaches(ticket).count() == 1 for ticket in tickets)
