"""The Resolve button of an incident alert meets the checklist gate: a sev1 whose restore checklist is
not done is not resolved from the chat, and the answer says which items are left."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from apps.incidents import notifications
from apps.incidents.models import Incident, Level, OnCallEntry, Status
from apps.incidents.services.detection import open_or_join
from apps.platform_bot import services

pytestmark = pytest.mark.django_db
DANA = 5550001


@pytest.fixture(autouse=True)
def _alerts(settings):
    settings.SLACK_WEBHOOK_URL = ""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def engineer(db):
    from tests.factories import StaffFactory

    user = StaffFactory(username="dana")
    user.groups.add(Group.objects.get(name="On-call engineer"))
    services._link(user, DANA, DANA, "dana", timezone.now())
    OnCallEntry.objects.create(
        level=Level.ON_CALL, name="Dana", user=user, email="dana@ops.test", starts_at=timezone.now() - timedelta(days=1)
    )
    return user


@pytest.fixture
def outage(engineer):
    incident, _ = open_or_join(
        "health:chatwoot-bot",
        title="Chatwoot down",
        codes=["HEALTH_CHECK_FAILED"],
        severity="sev1",
        detection_method="health_monitor",
        runbook="chatwoot-down",
    )
    notifications.deliver(incident.notifications.get(channel="telegram").pk)
    return incident


def test_resolve_from_the_chat_is_refused_until_the_restore_checklist_is_done(bot_api, telegram, outage):
    message = bot_api.last_message(DANA)

    telegram(bot_api.press_update(bot_api.user(DANA), message, f"incident:resolve:{outage.pk}"))

    answer = bot_api.answers[-1]["text"]
    assert answer.startswith("Not done: A sev1 incident cannot be resolved until its restore automation checklist")
    assert "Chatwoot /rails/health answers 200 (not run yet)" in answer
    assert Incident.objects.get(pk=outage.pk).status == Status.DETECTED
    assert bot_api.calls("editMessageText") == []
