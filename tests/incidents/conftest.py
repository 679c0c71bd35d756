"""Incident fixtures: a fake Slack, an on-call roster reaching it and by email, fast Slack
retries, and a clock (`T0`) every test drives by passing `now=`."""

from datetime import timedelta

import pytest

from apps.incidents.models import Level, OnCallEntry
from tests.fakes import serving
from tests.fakes.slack import FakeSlack
from tests.incidents.factories import T0


@pytest.fixture(autouse=True)
def _fast_slack_and_mail(settings):
    settings.SLACK_WEBHOOK_URL = ""
    settings.SLACK_TIMEOUT_S = 0.5
    settings.SLACK_RETRIES = 3
    settings.SLACK_BACKOFF_S = 0
    settings.SLACK_RETRY_AFTER_MAX_S = 0.2
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


slack = serving(FakeSlack)


@pytest.fixture
def roster(db, slack):
    """Level 1 by email and its own Slack webhook; levels 2 and 3 by email; all since before T0."""
    since = T0 - timedelta(days=1)
    on_call = OnCallEntry(level=Level.ON_CALL, name="On-call Olga", email="olga@ops.test", starts_at=since)
    on_call.set_slack_webhook_url(slack.webhook_url)
    on_call.save()
    lead = OnCallEntry.objects.create(level=Level.TEAM_LEAD, name="Lead Lars", email="lars@ops.test", starts_at=since)
    cto = OnCallEntry.objects.create(
        level=Level.INFRASTRUCTURE, name="CTO Carla", email="carla@ops.test", starts_at=since
    )
    return {1: on_call, 2: lead, 3: cto}


@pytest.fixture
def oncall(db):
    from tests.factories import StaffFactory

    return StaffFactory(username="oncall-2", is_superuser=True)
