"""Connection checks: each provider's own health or credentials endpoint, through apps.health.http."""
from urllib.parse import quote

from apps.health import http
from apps.health.checks import CheckFailed, check

GRAPH_BASE_URL = "https://graph.facebook.com"
GRAPH_VERSION = "v21.0"
META_TOKEN_INVALID = 190


def _base_url(connection, key="base_url", default=""):
    url = (connection.setting(key) or default).rstrip("/")
    if not url:
        raise CheckFailed(f"the connection has no {key} configured")
    return url


def _get(what, url, **kwargs):
    try:
        return http.get(url, **kwargs)
    except http.ProbeError as exc:
        raise CheckFailed(f"{what}: {exc}") from None


def _require_ok(what, response):
    if response.status_code >= 400:
        raise CheckFailed(f"{what} answered HTTP {response.status_code}{_excerpt(response)}", value=response.status_code)


def _excerpt(response):
    """The start of a JSON or text error body; an HTML error page says nothing an operator needs."""
    if "html" in response.headers.get("Content-Type", "") or not response.text.strip():
        return ""
    return f": {response.text.strip()[:200]}"


@check("connection_chatwoot", "Chatwoot answers GET /rails/health", needs="connection:chatwoot")
def connection_chatwoot(*, tenant, connection):
    response = _get("Chatwoot", f"{_base_url(connection)}/rails/health")
    _require_ok("Chatwoot /rails/health", response)
    return response.status_code, f"Chatwoot /rails/health answered HTTP {response.status_code}"


@check("connection_waha", "The WAHA session's status is WORKING", needs="connection:waha")
def connection_waha(*, tenant, connection):
    session = connection.setting("session") or "default"
    url = f"{_base_url(connection)}/api/sessions/{quote(session, safe='')}"
    response = _get("WAHA", url, headers={"X-Api-Key": connection.secret("api_key")})
    if response.status_code == 404:
        raise CheckFailed(f"WAHA has no session {session!r}", value=404)
    _require_ok("WAHA", response)
    status = http.json_body(response).get("status", "")
    if status != "WORKING":
        raise CheckFailed(f"WAHA session {session!r} is {status or 'without a status'}, not WORKING", value=status)
    return status, f"WAHA session {session!r} is WORKING"


@check("connection_meta_token", "Meta accepts the access token for the phone number", needs="connection:meta")
def connection_meta_token(*, tenant, connection):
    phone_number_id = connection.setting("phone_number_id")
    if not phone_number_id:
        raise CheckFailed("the connection has no phone_number_id configured")
    url = f"{_base_url(connection, 'graph_base_url', GRAPH_BASE_URL)}/{GRAPH_VERSION}/{quote(str(phone_number_id))}"
    response = _get("Meta Graph API", url, headers={"Authorization": f"Bearer {connection.secret('access_token')}"})
    if response.status_code >= 400:
        raise _meta_error(response)
    body = http.json_body(response)
    number = body.get("display_phone_number", phone_number_id)
    return {"phone_number": number, "quality_rating": body.get("quality_rating")}, f"token valid for {number}"


def _meta_error(response) -> CheckFailed:
    error = http.json_body(response).get("error") or {}
    code, subcode, message = error.get("code"), error.get("error_subcode"), error.get("message", "")
    value = {"http_status": response.status_code, "code": code, "error_subcode": subcode}
    if code == META_TOKEN_INVALID:
        return CheckFailed(f"access token expired or invalid (Meta error 190"
                           f"{f'/{subcode}' if subcode else ''}): {message[:200]}", value=value)
    return CheckFailed(f"Meta Graph API answered HTTP {response.status_code}"
                       f"{f' (error {code})' if code else ''}: {message[:200] or response.text[:200]}", value=value)


@check("connection_n8n", "n8n answers GET /healthz", needs="connection:n8n")
def connection_n8n(*, tenant, connection):
    response = _get("n8n", f"{_base_url(connection)}/healthz")
    _require_ok("n8n /healthz", response)
    return response.status_code, f"n8n /healthz answered HTTP {response.status_code}"


@check("connection_pms", "The PMS answers GET /health with the API key", needs="connection:pms")
def connection_pms(*, tenant, connection):
    response = _get("PMS", f"{_base_url(connection)}/health", headers={"X-Api-Key": connection.secret("api_key")})
    if response.status_code in (401, 403):
        raise CheckFailed(f"the PMS refused the API key (HTTP {response.status_code})", value=response.status_code)
    _require_ok("PMS /health", response)
    return response.status_code, f"PMS /health answered HTTP {response.status_code}"
