"""The one HTTP client health probes use: one session, explicit timeouts, errors as plain words.

A probe never raises `requests` exceptions at its caller: they become `ProbeError` with a sentence
an operator can read (no URL query strings, no secrets)."""

import requests
from django.conf import settings

from apps.integrations.http import json_body  # noqa: F401 — probes read answers as the senders do

_session = requests.Session()


class ProbeError(Exception):
    """The dependency did not answer usefully; the message says how."""


def get(url, *, headers=None, params=None) -> requests.Response:
    timeout = settings.HEALTH_HTTP_TIMEOUT
    try:
        return _session.get(
            url, headers=headers or {}, params=params, timeout=(timeout, timeout), allow_redirects=False
        )
    except requests.Timeout:
        raise ProbeError(f"no answer within {timeout:g} s") from None
    except requests.ConnectionError:
        raise ProbeError("could not connect") from None
    except requests.RequestException as exc:
        raise ProbeError(f"request failed: {type(exc).__name__}") from None
