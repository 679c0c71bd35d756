"""The hotel PMS's reservations API, as Opsdesk expects a PMS to offer it (the same reservation
shape its webhooks carry in `data`, see apps/integrations/pms/handlers.py):

    GET {base_url}/reservations?updated_since=<ISO 8601>&limit=<n>[&cursor=<c>]
    X-Api-Key: <the connection's api_key>

    200 {"data": [{"reservation_id": "R-1001", "status": "created|modified|cancelled|checked_in|
                   checked_out|no_show", "updated_at": "<ISO 8601>", "guest": {"name", "phone",
                   "email"}, "room": "12", "check_in": "2026-11-23", "check_out": "2026-11-25"}],
         "next_cursor": "<opaque>" | null}
    401 {"error": "invalid api key"}, 429 or 503 with Retry-After, other 4xx/5xx with {"error": …}

One requests.Session, explicit connect/read timeouts, and every failure raised as a `PmsError`
with a kind (auth, retryable, permanent) and a sentence an operator can act on."""

from dataclasses import dataclass

import requests
from django.conf import settings

from apps.integrations.http import json_body

AUTH, RETRYABLE, PERMANENT = "auth", "retryable", "permanent"
PAGE_SIZE = 100
MAX_PAGES = 1000

_session = requests.Session()


class PmsError(Exception):
    def __init__(self, kind, message, status_code=None, retry_after=None):
        super().__init__(message)
        self.kind, self.message, self.status_code, self.retry_after = kind, message, status_code, retry_after


@dataclass(frozen=True)
class Page:
    reservations: list
    next_cursor: str | None


def reservations_since(connection, since) -> list[dict]:
    """Every reservation the PMS changed since `since` (a datetime), all pages."""
    found, cursor = [], None
    for _ in range(MAX_PAGES):
        page = _page(connection, since, cursor)
        found.extend(page.reservations)
        if not page.next_cursor:
            return found
        cursor = page.next_cursor
    raise PmsError(PERMANENT, f"the PMS returned more than {MAX_PAGES} pages; narrow --since")


def _page(connection, since, cursor) -> Page:
    params = {"updated_since": since.isoformat(), "limit": PAGE_SIZE}
    if cursor:
        params["cursor"] = cursor
    response = _get(connection, "/reservations", params)
    body = json_body(response)
    if response.status_code >= 400:
        raise classify(response, body)
    data = body.get("data")
    if not isinstance(data, list):
        raise PmsError(PERMANENT, 'the PMS answered without a "data" list', response.status_code)
    return Page([item for item in data if isinstance(item, dict)], body.get("next_cursor") or None)


def _get(connection, path, params):
    base = (connection.setting("base_url") or "").rstrip("/")
    if not base:
        raise PmsError(PERMANENT, "the connection has no base_url configured")
    try:
        return _session.get(
            f"{base}{path}",
            params=params,
            headers={"X-Api-Key": connection.secret("api_key"), "Accept": "application/json"},
            timeout=(settings.PMS_HTTP_CONNECT_TIMEOUT_S, settings.PMS_HTTP_TIMEOUT_S),
        )
    except requests.Timeout:
        raise PmsError(RETRYABLE, "the PMS did not answer in time") from None
    except requests.ConnectionError:
        raise PmsError(RETRYABLE, "could not connect to the PMS") from None


def classify(response, body) -> PmsError:
    status = response.status_code
    detail = str(body.get("error") or response.reason or "")[:200]
    if status in (401, 403):
        return PmsError(AUTH, f"the PMS refused the API key (HTTP {status}): {detail}", status)
    retry_after = _retry_after(response)
    if status == 429 or status >= 500:
        return PmsError(RETRYABLE, f"the PMS answered HTTP {status}: {detail}", status, retry_after)
    return PmsError(PERMANENT, f"the PMS answered HTTP {status}: {detail}", status)


def _retry_after(response):
    try:
        return float(response.headers.get("Retry-After", ""))
    except ValueError:
        return None
