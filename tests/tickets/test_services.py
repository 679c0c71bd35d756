"""Status rules, auto-close, notifications and the service's own validation."""

import socket
from datetime import timedelta

import pytest
from django.core import mail

from apps.core.errors import ServiceError
from apps.events.models import AuditEvent
from apps.tickets import notifications, services
from apps.tickets.models import Status, TicketNotification
from apps.tickets.tasks import send_ticket_notification
from tests.factories import StaffFactory
from tests.tickets.factories import MONDAY_10_BERLIN, make_macro, make_ticket

pytestmark = pytest.mark.django_db
T0 = MONDAY_10_BERLIN


def test_agent_reply_sets_pending_unless_another_status_is_picked(tenant, staff):
    first, second = make_ticket(tenant), make_ticket(tenant)
    services.reply(first, "Try again please", actor=staff)
    services.reply(second, "Fixed for you", actor=staff, status=Status.SOLVED)
    first.refresh_from_db(), second.refresh_from_db()
    assert first.status == Status.PENDING and second.status == Status.SOLVED


def test_customer_reply_reopens_pending_and_solved_but_not_new(tenant, staff):
    pending, solved, new = make_ticket(tenant), make_ticket(tenant), make_ticket(tenant)
    services.reply(pending, "try", actor=staff)
    services.change_status(solved, Status.SOLVED, actor=staff)
    for ticket in (pending, solved, new):
        services.customer_reply(ticket, "still broken")
        ticket.refresh_from_db()
    assert (pending.status, solved.status, new.status) == (Status.OPEN, Status.OPEN, Status.NEW)


def test_closed_is_final(tenant, staff):
    ticket = make_ticket(tenant)
    services.change_status(ticket, Status.CLOSED, actor=staff)
    for attempt in (
        lambda: services.customer_reply(ticket, "x"),
        lambda: services.reply(ticket, "x", actor=staff),
        lambda: services.change_status(ticket, Status.OPEN, actor=staff),
    ):
        with pytest.raises(ServiceError):
            attempt()


def test_solved_tickets_close_after_the_autoclose_days(tenant, staff, settings):
    settings.TICKET_AUTOCLOSE_DAYS = 4
    old, recent = make_ticket(tenant, now=T0), make_ticket(tenant, now=T0)
    services.change_status(old, Status.SOLVED, actor=staff, now=T0)
    services.change_status(recent, Status.SOLVED, actor=staff, now=T0 + timedelta(days=3))
    assert services.close_solved_tickets(now=T0 + timedelta(days=4, minutes=1)) == 1
    old.refresh_from_db(), recent.refresh_from_db()
    assert old.status == Status.CLOSED and old.closed_at and recent.status == Status.SOLVED
    record = AuditEvent.objects.filter(action="ticket.status_changed", target_id=str(old.pk)).first()
    assert record.actor_label == "system (auto-close)"


def test_only_staff_act_as_agents(tenant, people):
    ticket = make_ticket(tenant)
    with pytest.raises(ServiceError):
        services.reply(ticket, "hi", actor=people.owner)
    with pytest.raises(ServiceError):
        services.add_note(ticket, "hi", actor=people.owner)


def test_customers_only_mark_solved_and_only_as_members(tenant, people, other_tenant):
    ticket = make_ticket(tenant)
    with pytest.raises(ServiceError):
        services.change_status(ticket, Status.CLOSED, actor=people.owner, by_customer=True)
    with pytest.raises(ServiceError):
        services.change_status(ticket, Status.SOLVED, actor=people.stranger, by_customer=True)
    services.change_status(ticket, Status.SOLVED, actor=people.owner, by_customer=True)


def test_create_refuses_a_requester_from_another_tenant_and_needs_one(tenant, people):
    with pytest.raises(ServiceError, match="not a member"):
        services.create_ticket(tenant, subject="s", body="b", requester=people.stranger)
    with pytest.raises(ServiceError, match="requester"):
        services.create_ticket(tenant, subject="s", body="b")


def test_assignee_must_be_active_staff(tenant, staff, people):
    ticket = make_ticket(tenant)
    with pytest.raises(ServiceError):
        services.assign(ticket, people.owner, actor=staff)


def test_internal_macro_with_status(tenant, staff):
    ticket = make_ticket(tenant)
    macro = make_macro(name="Escalate", body="Escalated by {agent_name}", visibility="internal", set_status="open")
    message = services.apply_macro(ticket, macro, actor=staff)
    ticket.refresh_from_db()
    assert message.visibility == "internal" and message.body == f"Escalated by {staff.username}"
    assert ticket.status == Status.OPEN


# --- notifications ---------------------------------------------------------------------------


@pytest.fixture
def assignee(db):
    return StaffFactory(username="agent-mail", email="agent-mail@opsdesk.test")


def test_requester_is_emailed_once_per_public_reply_not_for_notes(tenant, staff, django_capture_on_commit_callbacks):
    ticket = make_ticket(tenant, requester_email="guest@hotel.test")
    with django_capture_on_commit_callbacks(execute=True):
        services.add_note(ticket, "internal only", actor=staff)
        services.reply(ticket, "Here is the fix", actor=staff)
    assert [m.to for m in mail.outbox] == [["guest@hotel.test"]]
    assert "Here is the fix" in mail.outbox[0].body and "internal only" not in mail.outbox[0].body
    notification = TicketNotification.objects.get()
    assert (notification.kind, notification.status) == ("public_reply", "sent")


def test_status_change_emails_the_requester(tenant, staff, django_capture_on_commit_callbacks):
    ticket = make_ticket(tenant, requester_email="guest@hotel.test")
    with django_capture_on_commit_callbacks(execute=True):
        services.change_status(ticket, Status.SOLVED, actor=staff)
    assert len(mail.outbox) == 1 and "solved" in mail.outbox[0].body


def test_customer_reply_emails_the_assignee(tenant, staff, assignee, django_capture_on_commit_callbacks):
    ticket = make_ticket(tenant)
    services.assign(ticket, assignee, actor=staff)
    with django_capture_on_commit_callbacks(execute=True):
        services.customer_reply(ticket, "Any update?")
    assert [m.to for m in mail.outbox] == [["agent-mail@opsdesk.test"]]
    assert TicketNotification.objects.get().kind == "customer_reply"


def test_sending_task_run_twice_sends_once(tenant, staff):
    ticket = make_ticket(tenant, requester_email="guest@hotel.test")
    services.reply(ticket, "Once only", actor=staff)
    notification = TicketNotification.objects.get()
    assert send_ticket_notification(notification.pk) == "sent"
    assert send_ticket_notification(notification.pk) == "skipped"
    assert len(mail.outbox) == 1


def _closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_failed_email_is_recorded_and_can_be_sent_again(tenant, staff, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", _closed_port(), 2
    ticket = make_ticket(tenant, requester_email="guest@hotel.test")
    with django_capture_on_commit_callbacks(execute=True):
        services.reply(ticket, "Will bounce", actor=staff)
    notification = TicketNotification.objects.get()
    assert notification.status == "failed" and "Connection" in notification.error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        notifications.retry(notification)
    notification.refresh_from_db()
    assert notification.status == "sent" and len(mail.outbox) == 1


def test_no_address_means_no_email(tenant, staff):
    ticket = make_ticket(tenant, requester_email="", requester_phone="+49 30 1234")
    services.reply(ticket, "By phone only", actor=staff)
    assert not TicketNotification.objects.exists()
