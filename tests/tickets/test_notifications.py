"""Ticket emails are claimed in one transaction, sent with none open, recorded in another; a send
whose worker was lost ends as failed with an unknown outcome, and an operator may retry it."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from apps.tickets import notifications, services
from apps.tickets.models import TicketNotification
from tests.fakes import mail as fake_mail
from tests.tickets.factories import make_ticket


@pytest.mark.django_db(transaction=True)
def test_the_email_goes_out_with_no_transaction_open(tenant, staff, settings):
    settings.EMAIL_BACKEND = fake_mail.BACKEND
    fake_mail.sent_in_transaction.clear()
    ticket = make_ticket(tenant, requester_email="guest@hotel.test")
    services.reply(ticket, "Here is the fix", actor=staff)  # committed: on_commit runs the (eager) task

    assert fake_mail.sent_in_transaction == [False]
    assert TicketNotification.objects.get().status == "sent"


@pytest.mark.django_db
def test_a_send_whose_worker_was_lost_fails_and_can_be_retried(tenant, staff, django_capture_on_commit_callbacks):
    ticket = make_ticket(tenant, requester_email="guest@hotel.test")
    services.reply(ticket, "Lost in flight", actor=staff)
    row = TicketNotification.objects.get()
    assert notifications.claim(row.pk).status == "sending"
    assert notifications.deliver(row.pk) == "skipped"

    notifications.requeue_stale(now=timezone.now() + timedelta(minutes=20))
    row.refresh_from_db()
    assert row.status == "failed" and row.error.startswith("Outcome unknown") and mail.outbox == []

    with django_capture_on_commit_callbacks(execute=True):
        notifications.retry(row)
    row.refresh_from_db()
    assert row.status == "sent" and len(mail.outbox) == 1


@pytest.mark.django_db
def test_an_email_made_while_the_broker_is_down_waits_queued_for_the_sweeper(
    tenant, staff, django_capture_on_commit_callbacks
):
    from tests.core.test_tasks import unused_port
    from tests.integrations.services import publishing_to

    ticket = make_ticket(tenant, requester_email="guest@hotel.test")
    with publishing_to(f"redis://127.0.0.1:{unused_port()}/0"), django_capture_on_commit_callbacks(execute=True):
        services.reply(ticket, "Sent while Redis is away", actor=staff)
    row = TicketNotification.objects.get()
    assert row.status == "queued" and mail.outbox == []

    assert notifications.requeue_stale(now=timezone.now() + timedelta(minutes=5)) == 1
    row.refresh_from_db()
    assert row.status == "sent" and len(mail.outbox) == 1
