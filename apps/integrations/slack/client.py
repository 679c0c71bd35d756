"""Slack incoming webhooks: one POST of {"text": ...} per message, with a timeout, retries with
back-off for what may pass (timeouts, connection errors, 429 honouring Retry-After, 5xx), and
classified errors for what will not (Slack's 4xx answers such as `invalid_token`, `no_service`)."""
import time

import requests
from django.conf import settings


class SlackError(Exception):
    def __init__(self, message, *, retryable, attempts=1, status=None):
        super().__init__(message)
        self.message, self.retryable, self.attempts, self.status = message, retryable, attempts, status


class SlackWebhookClient:
    def __init__(self, *, timeout=None, retries=None, backoff=None, retry_after_max=None, session=None):
        self.timeout = settings.SLACK_TIMEOUT_S if timeout is None else timeout
        self.retries = max(1, settings.SLACK_RETRIES if retries is None else retries)
        self.backoff = settings.SLACK_BACKOFF_S if backoff is None else backoff
        self.retry_after_max = settings.SLACK_RETRY_AFTER_MAX_S if retry_after_max is None else retry_after_max
        self.session = session or requests.Session()

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
                time.sleep(self._wait(exc, attempt))
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
        raise _error_for(response)

    def _wait(self, exc, attempt):
        if exc.status == 429 and getattr(exc, "retry_after", None) is not None:
            return min(exc.retry_after, self.retry_after_max)
        return self.backoff * (2 ** (attempt - 1))


def _error_for(response):
    body = response.text.strip()[:200] or response.reason
    error = SlackError(f"HTTP {response.status_code}: {body}", retryable=response.status_code == 429
                       or response.status_code >= 500, status=response.status_code)
    if response.status_code == 429:
        error.retry_after = _seconds(response.headers.get("Retry-After"))
    return error


def _seconds(value):
    try:
        return max(0.0, float(value))
    except (TypeError, ValueError):
        return None
