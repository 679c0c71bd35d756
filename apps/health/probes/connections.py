"""Connection checks: each provider's own health or credentials endpoint, through apps.health.http.
A probe that is provider code lives in the provider's package (Meta's in apps.integrations.meta.probe)
and is registered here."""

from urllib.parse import quote

from apps.health import http, signals, token_expiry
from apps.health.checks import CheckFailed, check
from apps.integrations.meta import probe as meta_probe
from apps.integrations.pms import sync


def _base_url(connection, key="base_url"):
    url = (connection.setting(key) or "").rstrip("/")
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
        raise CheckFailed(
            f"{what} answered HTTP {response.status_code}{_excerpt(response)}", value=response.status_code
        )


def _excerpt(response):
    """The start of a JSON or text error body; an HTML error page says nothing an operator needs."""
    if "html" in response.headers.get("Content-Type", "") or not response.text.strip():
        return ""
    return f": {response.text.strip()[:200]}"


@check(
    "connection_chatwoot",
    "Chatwoot answers GET /rails/health and no knowledge sync of it keeps failing",
    needs="connection:chatwoot",
)
def connection_chatwoot(*, tenant, connection):
    response = _get("Chatwoot", f"{_base_url(connection)}/rails/health")
    _require_ok("Chatwoot /rails/health", response)
    problems = signals.problems_of(connection)
    if problems:
        raise CheckFailed(
            f"Chatwoot /rails/health answered HTTP {response.status_code}, but {'; '.join(problems)}",
            value=response.status_code,
        )
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
    forged = " — accepts forged deliveries: no WAHA HMAC key is set" if connection.unsigned_warning() else ""
    return status, f"WAHA session {session!r} is WORKING{forged}"


@check("connection_meta_token", "Meta accepts the access token for the phone number", needs="connection:meta")
def connection_meta_token(*, tenant, connection):
    try:
        value, detail = meta_probe.token_status(
            connection, lambda url, headers: _get("Meta Graph API", url, headers=headers)
        )
    except meta_probe.ProbeFailed as exc:
        raise CheckFailed(exc.detail, value=exc.value) from None
    token_expiry.warn_if_expiring(tenant, connection, value.get("token_expires_at"))
    return value, detail


@check("connection_n8n", "n8n answers GET /healthz and its public API accepts the API key", needs="connection:n8n")
def connection_n8n(*, tenant, connection):
    base = _base_url(connection)
    response = _get("n8n", f"{base}/healthz")
    _require_ok("n8n /healthz", response)
    healthy = f"n8n /healthz answered HTTP {response.status_code}"
    api_key = connection.secret("api_key")
    if not api_key:
        return response.status_code, f"{healthy}; no api_key is set, so the API key is not checked"
    return _n8n_api_key(base, api_key), f"{healthy} and its public API accepts the API key"


def _n8n_api_key(base, api_key):
    """n8n's public API answers 401 for a missing, wrong, expired or revoked API key."""
    response = _get("n8n API", f"{base}/api/v1/workflows?limit=1", headers={"X-N8N-API-KEY": api_key})
    if response.status_code == 401:
        raise CheckFailed(f"n8n refused the API key (HTTP 401){_excerpt(response)}", value=401)
    _require_ok("n8n /api/v1/workflows", response)
    return response.status_code


@check("connection_pms", "The PMS answers GET /health with the API key", needs="connection:pms")
def connection_pms(*, tenant, connection):
    response = _get("PMS", f"{_base_url(connection)}/health", headers={"X-Api-Key": connection.secret("api_key")})
    if response.status_code in (401, 403):
        raise CheckFailed(f"the PMS refused the API key (HTTP {response.status_code})", value=response.status_code)
    _require_ok("PMS /health", response)
    return response.status_code, f"PMS /health answered HTTP {response.status_code}"


@check(
    "connection_pms_fresh",
    "The PMS connection had a successful sync or a webhook within PMS_STALE_AFTER_HOURS",
    needs="connection:pms",
)
def connection_pms_fresh(*, tenant, connection):
    last = sync.last_contact(connection)
    seen = f"{last:%Y-%m-%d %H:%M} UTC" if last else "never"
    if sync.is_stale(connection):
        raise CheckFailed(
            f"stale: no successful sync or webhook since {seen}; run a manual sync from the connection's page",
            value=seen,
        )
    return seen, f"last successful sync or webhook {seen}"
