"""Meta's health probe: does the Graph API still accept the connection's access token for its
phone number (`GET /{version}/{phone-number-id}`) and, when one is configured, its WhatsApp
Business Account (`GET /{version}/{waba-id}`)? Read as Meta answers it: error 190 is an expired
or revoked token, anything else is another failure. apps.health registers it as the check
`connection_meta_token` and lends it its HTTP GET (timeouts, errors in words)."""

from datetime import UTC, datetime
from urllib.parse import quote, urlencode

from apps.integrations.http import json_body
from apps.integrations.meta.graph import graph_url

TOKEN_INVALID = 190


class ProbeFailed(Exception):
    def __init__(self, detail, value=None):
        super().__init__(detail)
        self.detail, self.value = detail, value


def token_status(connection, get) -> tuple[dict, str]:
    """`get(url, headers)` returns the response. Returns (value, detail) or raises ProbeFailed."""
    phone_number_id = connection.setting("phone_number_id")
    if not phone_number_id:
        raise ProbeFailed("the connection has no phone_number_id configured")
    response = get(
        graph_url(connection, quote(str(phone_number_id))),
        {"Authorization": f"Bearer {connection.secret('access_token')}"},
    )
    if response.status_code >= 400:
        raise _failure(response)
    body = json_body(response)
    number = body.get("display_phone_number", phone_number_id)
    value = {"phone_number": number, "quality_rating": body.get("quality_rating")}
    account = _account_name(connection, get)
    expires_at = token_expiry(connection, get)
    value["token_expires_at"] = expires_at.isoformat() if expires_at else None
    expiry = f"; it expires {expires_at:%Y-%m-%d %H:%M} UTC" if expires_at else ""
    if account is None:
        return value, f"token valid for {number}{expiry}"
    return {**value, "waba": account}, f"token valid for {number} and the business account {account}{expiry}"


def token_expiry(connection, get) -> datetime | None:
    """When Meta says the access token expires (`GET /debug_token`), or None: it never expires (a
    system user's token answers `expires_at: 0`) or Meta would not say."""
    token = connection.secret("access_token")
    response = get(
        f"{graph_url(connection, 'debug_token')}?{urlencode({'input_token': token})}",
        {"Authorization": f"Bearer {token}"},
    )
    data = json_body(response).get("data") if response.status_code == 200 else None
    expires_at = data.get("expires_at") if isinstance(data, dict) else None
    if not isinstance(expires_at, int) or expires_at <= 0:
        return None
    return datetime.fromtimestamp(expires_at, tz=UTC)


def _account_name(connection, get):
    """The WhatsApp Business Account's name, or None when the connection names no waba_id."""
    waba_id = connection.setting("waba_id")
    if not waba_id:
        return None
    response = get(
        graph_url(connection, quote(str(waba_id))), {"Authorization": f"Bearer {connection.secret('access_token')}"}
    )
    if response.status_code >= 400:
        failure = _failure(response)
        raise ProbeFailed(f"business account {waba_id}: {failure.detail}", value=failure.value)
    return json_body(response).get("name") or str(waba_id)


def _failure(response) -> ProbeFailed:
    error = json_body(response).get("error") or {}
    code, subcode, message = error.get("code"), error.get("error_subcode"), error.get("message", "")
    value = {"http_status": response.status_code, "code": code, "error_subcode": subcode}
    if code == TOKEN_INVALID:
        return ProbeFailed(
            f"access token expired or invalid (Meta error 190{f'/{subcode}' if subcode else ''}): {message[:200]}",
            value=value,
        )
    return ProbeFailed(
        f"Meta Graph API answered HTTP {response.status_code}"
        f"{f' (error {code})' if code else ''}: {message[:200] or response.text[:200]}",
        value=value,
    )
