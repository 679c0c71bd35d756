"""Delivery of one notification against a local Slack and the mail backend: retries for what may
pass, no retries for what will not, every failure recorded with its reason, and nothing sent
while a transaction is open."""

import socket
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.db import DatabaseError, connection, transaction

from apps.incidents import notifications
from apps.incidents.models import EscalationPolicy, Notification, OnCallEntry
from apps.integrations.slack.client import SlackError, SlackWebhookClient
from tests.fakes import mail as fake_mail
from tests.fakes import slack as fake
from tests.incidents.factories import T0, make_incident

pytestmark = pytest.mark.django_db


def slack_row(incident):
    return incident.notifications.get(channel="slack")


def deliver_all(incident):
    for row in incident.notifications.filter(status="queued"):
        notifications.deliver(row.pk)


@pytest.fixture
def incident(staff, roster):
    incident = make_incident(staff)  # on_commit is not run: rows stay queued for the test to deliver
    assert incident.notifications.filter(status="queued").count() == 2
    return incident


def test_slack_5xx_is_retried_until_it_passes(incident, slack):
    slack.script(fake.SERVER_ERROR, fake.SERVER_ERROR)
    deliver_all(incident)

    row = slack_row(incident)
    assert (row.status, row.attempts, row.error) == ("sent", 3, "")
    assert len(slack.requests_to(slack.PATH)) == 3 and len(slack.messages) == 1


def test_slack_rate_limit_waits_for_retry_after(incident, slack):
    slack.script(fake.rate_limited(retry_after=0))
    deliver_all(incident)

    assert (slack_row(incident).status, slack_row(incident).attempts) == ("sent", 2)


def test_a_revoked_webhook_fails_at_once_with_slacks_reason(incident, slack):
    slack.revoke()
    deliver_all(incident)

    row = slack_row(incident)
    assert (row.status, row.attempts) == ("failed", 1)
    assert row.error == "HTTP 404: no_service"
    entry = incident.timeline.get(kind="notification", data__channel="slack")
    assert "failed after 1 attempt(s)" in entry.text and entry.text.endswith("HTTP 404: no_service")


def test_an_archived_channel_is_not_retried(incident, slack):
    slack.script(fake.ARCHIVED)
    deliver_all(incident)

    assert (slack_row(incident).status, slack_row(incident).attempts) == ("failed", 1)


def test_a_slack_that_never_answers_fails_after_the_retries(incident, slack):
    slack.script(fake.silent(1.0), fake.silent(1.0), fake.silent(1.0))
    started = time.monotonic()
    deliver_all(incident)

    row = slack_row(incident)
    assert (row.status, row.attempts) == ("failed", 3)
    assert "did not answer within 0.5 s" in row.error
    assert time.monotonic() - started < 3


def test_slack_unreachable_is_recorded(incident, slack):
    slack.stop()
    deliver_all(incident)

    assert slack_row(incident).status == "failed"
    assert "Slack unreachable" in slack_row(incident).error


def test_the_email_goes_through_djangos_mail_backend(incident, slack):
    deliver_all(incident)

    assert mail.outbox[0].to == ["olga@ops.test"]
    assert "Open the incident: http" in mail.outbox[0].body
    assert incident.notifications.get(channel="email").status == "sent"


def test_a_failing_mail_server_is_recorded(incident, slack, settings):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 1
    deliver_all(incident)

    row = incident.notifications.get(channel="email")
    assert row.status == "failed" and "ConnectionRefusedError" in row.error
    assert incident.timeline.filter(text__startswith="Email to olga@ops.test failed").exists()


def test_a_notification_is_delivered_once_even_if_the_task_runs_twice(incident, slack):
    row = slack_row(incident)
    assert notifications.deliver(row.pk) == "sent"
    assert notifications.deliver(row.pk) == "skipped"
    assert len(slack.messages) == 1


def test_stale_queued_rows_are_sent_by_the_sweeper(incident, slack):
    sent = notifications.requeue_stale(now=T0 + timedelta(minutes=5))

    assert sent == 2 and incident.notifications.filter(status="sent").count() == 2


def test_the_webhook_url_is_never_shown_back(incident, slack):
    row = slack_row(incident)
    assert slack.PATH not in row.recipient and "abcdEFGH" not in row.recipient
    assert row.target == slack.webhook_url
    assert "abcdEFGH" not in OnCallEntry.objects.get(level=1).slack_webhook_encrypted


def test_the_client_refuses_an_empty_payload_like_slack(slack):
    with pytest.raises(SlackError) as refused:
        SlackWebhookClient().post(slack.webhook_url, "")
    assert refused.value.message == "HTTP 400: invalid_payload" and not refused.value.retryable


# --- no network call inside a transaction --------------------------------------------------------


def state_seen_from_another_connection(channel):
    """Runs in the fake server's thread, so on a database connection of its own."""
    try:
        with transaction.atomic():
            row = Notification.objects.select_for_update(nowait=True).get(channel=channel)
            return f"{row.status}, unlocked"
    except DatabaseError as exc:
        return f"locked: {type(exc).__name__}"
    finally:
        connection.close()


@pytest.fixture
def committed(transactional_db):
    """Rows really committed; the seeded policy is back (an earlier transactional test flushed it)."""
    EscalationPolicy.objects.get_or_create(severity="sev2", defaults={"notify_on_open": True})


@pytest.mark.django_db(transaction=True)
def test_email_goes_out_with_no_transaction_open(committed, staff, roster, slack, settings):
    settings.EMAIL_BACKEND = fake_mail.BACKEND
    fake_mail.sent_in_transaction.clear()
    incident = make_incident(staff)  # committed: on_commit hands the rows to the (eager) task

    assert fake_mail.sent_in_transaction == [False]
    assert incident.notifications.filter(status="sent").count() == 2


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_slack_is_posted_while_the_row_is_committed_as_sending_and_not_locked(committed, staff, roster, slack):
    seen = []

    def probe(request):
        seen.append(state_seen_from_another_connection("slack"))
        return slack._answer(request)

    slack.route("POST", slack.PATH, probe)
    incident = make_incident(staff)

    assert seen == ["sending, unlocked"]
    assert slack_row(incident).status == "sent"


def test_a_send_whose_worker_was_lost_fails_as_outcome_unknown_and_is_not_resent(incident, slack):
    lost = slack_row(incident)
    assert notifications.claim(lost.pk, now=T0).status == "sending"
    assert notifications.deliver(lost.pk) == "skipped"

    notifications.requeue_stale(now=T0 + timedelta(minutes=20))

    lost.refresh_from_db()
    assert lost.status == "failed" and lost.error.startswith("Outcome unknown")
    assert slack.messages == [] and incident.notifications.get(channel="email").status == "sent"
    assert incident.timeline.filter(data__notification=lost.pk, data__status="failed").exists()
