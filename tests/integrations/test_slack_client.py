"""The Slack webhook client in integrations/slack: retries what may pass, honours Retry-After in
both its forms (seconds or an HTTP date), stops on Slack's permanent answers."""

import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from apps.integrations.slack.client import SlackError, SlackWebhookClient
from tests.fakes import serving
from tests.fakes.slack import ARCHIVED, SERVER_ERROR, FakeSlack, rate_limited


@pytest.fixture(autouse=True)
def _quick_slack(settings):
    settings.SLACK_TIMEOUT_S, settings.SLACK_RETRIES, settings.SLACK_BACKOFF_S = 0.5, 3, 0
    settings.SLACK_RETRY_AFTER_MAX_S = 0.3


slack = serving(FakeSlack)


def timed_post(slack):
    started = time.monotonic()
    attempts = SlackWebhookClient().post(slack.webhook_url, "hello")
    return attempts, time.monotonic() - started


def test_a_429_with_retry_after_in_seconds_waits_then_sends(slack):
    slack.script(rate_limited("0.2"))
    attempts, elapsed = timed_post(slack)
    assert attempts == 2 and slack.messages == ["hello"] and elapsed >= 0.2


def test_a_429_with_retry_after_as_an_http_date_waits_until_then_capped(slack):
    slack.script(rate_limited(format_datetime(datetime.now(UTC) + timedelta(minutes=5), usegmt=True)))
    attempts, elapsed = timed_post(slack)
    assert attempts == 2 and slack.messages == ["hello"]
    assert 0.3 <= elapsed < 2, "the date is read (not taken as 'no Retry-After') and capped at the maximum"


def test_server_errors_are_retried_until_the_retries_are_spent(slack):
    slack.script(SERVER_ERROR, SERVER_ERROR, SERVER_ERROR)
    with pytest.raises(SlackError) as failed:
        SlackWebhookClient().post(slack.webhook_url, "hello")
    assert (failed.value.attempts, failed.value.status, failed.value.retryable) == (3, 500, True)


def test_a_permanent_answer_is_not_retried(slack):
    slack.script(ARCHIVED)
    with pytest.raises(SlackError) as failed:
        SlackWebhookClient().post(slack.webhook_url, "hello")
    assert failed.value.attempts == 1 and failed.value.message == "HTTP 410: channel_is_archived"


def test_backoff_between_retries_has_jitter_and_stays_under_the_cap(settings):
    client = SlackWebhookClient(backoff=1.0, retry_after_max=30)
    error = SlackError("HTTP 500", retryable=True, status=500)
    waits = {round(client.wait(error, 2), 6) for _ in range(50)}
    assert all(1.0 <= wait <= 2.0 for wait in waits) and len(waits) > 1
    assert client.wait(error, 10) <= 30
