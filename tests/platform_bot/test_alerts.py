"""On-call alerts through the platform bot: a bound on-call engineer gets the incident with
Acknowledge and Resolve buttons; pressing one runs the incident service as them (if they may),
writes the timeline and audit and edits the message; Telegram failures are recorded and retried."""

import copy
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from apps.events.models import AuditEvent, SystemEvent
from apps.incidents import notifications
from apps.incidents.models import Incident, Level, OnCallEntry
from apps.platform_bot import services
from tests.factories import StaffFactory
from tests.fakes.telegram_bot_api import rate_limited
from tests.incidents.factories import make_incident

pytestmark = pytest.mark.django_db
DANA, MALLORY, RITA = 5550001, 5550009, 5550003


@pytest.fixture(autouse=True)
def _alerts(settings):
    settings.SLACK_WEBHOOK_URL = ""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.TELEGRAM_ALERT_MAX_ATTEMPTS = 3


def bound(username, telegram_id, group):
    user = StaffFactory(username=username)
    user.groups.add(Group.objects.get(name=group))
    services._link(user, telegram_id, telegram_id, username, timezone.now())
    return user


@pytest.fixture
def engineer(db):
    return bound("dana", DANA, "On-call engineer")


@pytest.fixture
def entry(engineer):
    since = timezone.now() - timedelta(days=1)
    return OnCallEntry.objects.create(
        level=Level.ON_CALL, name="Dana", user=engineer, email="dana@ops.test", starts_at=since
    )


@pytest.fixture
def incident(entry, staff):
    return make_incident(staff, title="WhatsApp sends failing", now=timezone.now())


def telegram_row(incident):
    return incident.notifications.get(channel="telegram")


def deliver(incident):
    row = telegram_row(incident)
    return notifications.deliver(row.pk)


def press(bot_api, telegram, user_id, action, incident):
    message = bot_api.last_message(DANA)
    telegram(bot_api.press_update(bot_api.user(user_id), message, f"incident:{action}:{incident.pk}"))
    return bot_api.answers[-1]["text"]


def test_a_bound_on_call_engineer_gets_the_alert_with_buttons(bot_api, incident):
    assert deliver(incident) == "sent"

    message = bot_api.last_message(DANA)
    assert "WhatsApp sends failing" in message["text"]
    assert bot_api.buttons(message) == [
        ("Acknowledge", f"incident:ack:{incident.pk}"),
        ("Resolve", f"incident:resolve:{incident.pk}"),
    ]
    row = telegram_row(incident)
    assert (row.status, row.attempts, row.recipient) == ("sent", 1, "Dana (@dana on Telegram)")
    assert row.get_channel_display() == "Telegram (platform bot)"


def test_acknowledge_from_the_chat_runs_the_service_as_that_user(bot_api, telegram, incident, engineer):
    deliver(incident)

    answer = press(bot_api, telegram, DANA, "ack", incident)

    incident.refresh_from_db()
    assert incident.acknowledged_at is not None
    assert incident.timeline.filter(kind="owner", author=engineer, text__startswith="Acknowledged by").exists()
    assert AuditEvent.objects.filter(action="incident.acknowledged", actor=engineer).exists()
    message = bot_api.last_message(DANA)
    assert answer.startswith("Acknowledged by dana at") and message["text"].endswith(answer)
    assert bot_api.buttons(message) == [("Resolve", f"incident:resolve:{incident.pk}")]


def test_resolve_from_the_chat(bot_api, telegram, incident, engineer):
    deliver(incident)

    answer = press(bot_api, telegram, DANA, "resolve", incident)

    incident.refresh_from_db()
    assert incident.status == "resolved" and incident.resolved_at is not None
    assert AuditEvent.objects.filter(action="incident.status_changed", actor=engineer).exists()
    assert answer.startswith("Resolved by dana") and bot_api.buttons(bot_api.last_message(DANA)) == []


def test_a_press_the_service_refuses_says_why_and_changes_nothing(bot_api, telegram, incident, engineer):
    """A second alert of the same incident (another level, another person) still shows Acknowledge."""
    deliver(incident)
    stale = copy.deepcopy(bot_api.last_message(DANA))
    press(bot_api, telegram, DANA, "ack", incident)
    edits = len(bot_api.calls("editMessageText"))

    telegram(bot_api.press_update(bot_api.user(DANA), stale, f"incident:ack:{incident.pk}"))

    assert bot_api.answers[-1]["text"].startswith("Not done: Already acknowledged")
    assert len(bot_api.calls("editMessageText")) == edits


def test_someone_not_bound_is_refused(bot_api, telegram, incident):
    deliver(incident)

    answer = press(bot_api, telegram, MALLORY, "resolve", incident)

    assert "not bound" in answer and Incident.objects.get().status == "detected"
    assert bot_api.calls("editMessageText") == []


def test_a_bound_user_without_the_permission_is_refused(bot_api, telegram, incident):
    bound("rita", RITA, "Read-only")
    deliver(incident)

    answer = press(bot_api, telegram, RITA, "ack", incident)

    assert "may not change incidents" in answer and Incident.objects.get().acknowledged_at is None
    assert not AuditEvent.objects.filter(action="incident.acknowledged").exists()


def test_telegram_429_records_the_failure_and_retries_after_retry_after(bot_api, incident):
    bot_api.script(rate_limited(retry_after=40))

    assert deliver(incident) == "queued"

    row = telegram_row(incident)
    assert row.attempts == 1 and row.next_attempt_at >= timezone.now() + timedelta(seconds=39)
    event = SystemEvent.objects.get(code="TELEGRAM_SEND_FAIL")
    assert event.incident == incident and event.meta["error_code"] == "429"
    assert "next try at" in incident.timeline.get(kind="notification", data__channel="telegram").text
    assert deliver(incident) == "skipped", "not sent before its time"

    type(row).objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert deliver(incident) == "sent" and telegram_row(incident).attempts == 2
    assert len(bot_api.sent(DANA)) == 1


def test_telegram_down_is_retried_then_fails_after_the_last_attempt(bot_api, incident):
    bot_api.stop()
    model = type(telegram_row(incident))
    outcomes = []
    for _ in range(3):
        outcomes.append(deliver(incident))
        model.objects.filter(pk=telegram_row(incident).pk).update(next_attempt_at=None)

    assert outcomes == ["queued", "queued", "failed"]
    assert "connection_error" in telegram_row(incident).error
    assert SystemEvent.objects.filter(code="TELEGRAM_SEND_FAIL").count() == 3


def test_a_blocked_bot_fails_at_once_with_the_fix(bot_api, incident):
    bot_api.blocked.add(DANA)

    assert deliver(incident) == "failed"
    assert "press Start" in telegram_row(incident).error


def test_no_telegram_alert_when_switched_off_unbound_or_bot_off(bot_api, entry, staff, settings):
    OnCallEntry.objects.filter(pk=entry.pk).update(notify_by_telegram=False)
    assert not make_incident(staff, title="one", now=timezone.now()).notifications.filter(channel="telegram")
    OnCallEntry.objects.filter(pk=entry.pk).update(notify_by_telegram=True)
    settings.TELEGRAM_BOT_TOKEN = ""
    assert not make_incident(staff, title="two", now=timezone.now()).notifications.filter(channel="telegram")
