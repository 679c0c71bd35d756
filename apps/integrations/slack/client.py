"""Slack incoming webhooks: one POST of {"text": ...} per message on one shared session, with an
explicit timeout, retries with jittered back-off for what may pass (timeouts, connection errors,
429 honouring Retry-After, 5xx), and classified errors for what will not (Slack's 4xx answers
such as `invalid_token`, `no_service`)."""

import time

import requests
from django.conf import settings

from apps.core import backoff

_session = requests.Session()


class SlackError(Exception):
    def __init__(self, message, *, retryable, attempts=1, status=None, retry_after=None):
        super().__init__(message)
        self.message, self.retryable, self.attempts, self.status = message, retryable, attempts, status
        self.retry_after = retry_after


class SlackWebhookClient:
    def __init__(self, *, timeout=None, retries=None, backoff=None, retry_after_max=None, session=None):
        self.timeout = settings.SLACK_TIMEOUT_S if timeout is None else timeout
        self.retries = max(1, settings.SLACK_RETRIES if retries is None else retries)
        self.backoff = settings.SLACK_BACKOFF_S if backoff is None else backoff
        self.retry_after_max = settings.SLACK_RETRY_AFTER_MAX_S if retry_after_max is None else retry_after_max
        self.session = session or _session

    def post(self, url, text) -> int:
        """Posts `text`; returns the number of attempts it took, or raises SlackError (with
        `.attempts`) once the error is permanent or the retries are spent."""
        for attempt in range(1, self.retries + 1):
            try:
                self._post_once(url, text)
                return attempt
            except SlackError as exc:
                exc.attempts = attempt
                if not exc.retryable or attempt == self.retries:
                    raise
                time.sleep(self.wait(exc, attempt))
        raise AssertionError("unreachable")

    def _post_once(self, url, text):
        try:
            response = self.session.post(url, json={"text": text}, timeout=self.timeout)
        except requests.Timeout:
            raise SlackError(f"Slack did not answer within {self.timeout} s", retryable=True) from None
        except requests.RequestException as exc:
            raise SlackError(f"Slack unreachable: {type(exc).__name__}", retryable=True) from None
        if response.status_code == 200:
            return
        raise error_for(response)

    def wait(self, exc, attempt) -> float:
        """Seconds before the next attempt: Slack's Retry-After on a 429, else jittered backoff; never
        over SLACK_RETRY_AFTER_MAX_S, which the notifications' stuck-send bound counts on."""
        if exc.status == 429 and exc.retry_after is not None:
            return min(exc.retry_after, self.retry_after_max)
        return backoff.backoff_seconds(attempt, base=self.backoff, cap=self.retry_after_max)


def error_for(response) -> SlackError:
    body = response.text.strip()[:200] or response.reason
    status = response.status_code
    retry_after = backoff.retry_after_seconds(response.headers.get("Retry-After")) if status == 429 else None
    return SlackError(
        f"HTTP {status}: {body}", retryable=status == 429 or status >= 500, status=status, retry_after=retry_after
    )
