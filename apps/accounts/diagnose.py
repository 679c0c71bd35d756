"""GET /auth/diagnose: what the server saw on this request, as the "Auth loop / unauthorized"
runbook's browser checks in one answer. Each check says ok or not, what was seen and, when not ok,
what to change. It shows no secret: no cookie, token or session values, only whether they arrived
and matched."""

from dataclasses import asdict, dataclass

from django.conf import settings
from django.middleware.csrf import CsrfViewMiddleware, RejectRequest

from apps.accounts.csrf import HEADER_ALIASES

CREDENTIALS_HINT = "fetch with credentials: 'include' (and a CORS_ORIGIN that lists the page's origin)"


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    seen: str
    hint: str = ""


def report(request) -> dict:
    checks = [
        session_cookie(request),
        session_valid(request),
        csrf_cookie(request),
        csrf_header(request),
        csrf_match(request),
        origin(request),
        scheme(request),
        secure_cookies(request),
    ]
    return {"ok": all(check.ok for check in checks), "checks": [asdict(check) for check in checks]}


def session_cookie(request) -> Check:
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        return Check("session_cookie", True, "present")
    return Check(
        "session_cookie",
        False,
        "absent",
        f"Log in with POST /auth/login, then {CREDENTIALS_HINT}. The cookie is SameSite="
        f"{settings.SESSION_COOKIE_SAMESITE}: a page on another site does not send it.",
    )


def session_valid(request) -> Check:
    if request.user.is_authenticated:
        return Check("session_valid", True, "logged in")
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        return Check("session_valid", False, "unknown or expired session", "Log in again (POST /auth/login).")
    return Check("session_valid", False, "no session", "Log in with POST /auth/login.")


def csrf_cookie(request) -> Check:
    if settings.CSRF_COOKIE_NAME in request.COOKIES:
        return Check("csrf_cookie", True, "present")
    return Check("csrf_cookie", False, "absent", f"GET /auth/me sets it; {CREDENTIALS_HINT}.")


def sent_token_header(request) -> str | None:
    return next((name for name in (settings.CSRF_HEADER_NAME, *HEADER_ALIASES) if name in request.META), None)


def csrf_header(request) -> Check:
    header = sent_token_header(request)
    if header:
        return Check("csrf_header", True, f"{header_label(header)} present")
    return Check(
        "csrf_header", False, "absent", "Send csrf_token from GET /auth/me in the x-csrf-token header on every POST."
    )


def header_label(meta_name: str) -> str:
    return meta_name.removeprefix("HTTP_").replace("_", "-").lower()


def csrf_match(request) -> Check:
    if not (sent_token_header(request) and settings.CSRF_COOKIE_NAME in request.COOKIES):
        return Check("csrf_match", False, "not checked: the cookie or the header is missing", "See the lines above.")
    try:
        CsrfViewMiddleware(lambda request: None)._check_token(request)
    except RejectRequest as exc:
        return Check(
            "csrf_match", False, exc.reason, "Take a fresh csrf_token from GET /auth/me (it changes at each login)."
        )
    return Check("csrf_match", True, "the header's token matches the cookie")


def origin(request) -> Check:
    sent = request.headers.get("Origin")
    if not sent:
        return Check("origin", True, "no Origin header (same-origin or not a browser's fetch)")
    own = f"{request.scheme}://{request.get_host()}"
    if sent == own or sent in settings.CORS_ALLOWED_ORIGINS:
        return Check("origin", True, f"{sent} is allowed")
    return Check("origin", False, f"{sent} is not allowed", f"Add {sent} to CORS_ORIGIN (comma-separated).")


def scheme(request) -> Check:
    header = (settings.SECURE_PROXY_SSL_HEADER or ("HTTP_X_FORWARDED_PROTO",))[0]
    forwarded = request.META.get(header)
    seen = f"{request.scheme}" + (f" ({header_label(header)}: {forwarded})" if forwarded else "")
    page = request.headers.get("Origin", "")
    if page.startswith("https://") and not request.is_secure():
        return Check(
            "scheme",
            False,
            seen,
            "The page is https but this request reached Opsdesk as http: set TRUSTED_PROXIES to the proxy's "
            "address so its X-Forwarded-Proto is believed, and make the proxy send it.",
        )
    return Check("scheme", True, seen)


def secure_cookies(request) -> Check:
    secure = settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE
    seen = f"Secure={'yes' if secure else 'no'}, SameSite={settings.SESSION_COOKIE_SAMESITE}"
    if secure and not request.is_secure():
        return Check(
            "secure_cookies",
            False,
            seen,
            "Cookies are Secure but this request is http: the browser neither stores nor sends them. "
            "Serve over https (behind a proxy: TRUSTED_PROXIES), or HTTPS_ONLY=false for local http.",
        )
    if str(settings.SESSION_COOKIE_SAMESITE).lower() == "none" and not secure:
        return Check("secure_cookies", False, seen, "SameSite=None cookies must be Secure; browsers drop them.")
    return Check("secure_cookies", True, seen)
