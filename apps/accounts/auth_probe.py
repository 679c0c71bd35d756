"""The synthetic login behind the "authentication down" check: a dedicated probe user logs in
through the real JSON login path (URL routing, every middleware, django-axes, the password hasher,
the session store), reads `/auth/me` with the session it got and logs out.

It runs in-process through Django's test client, so the worker needs no address for the web; the
load balancer and gunicorn are covered by `/readyz`. The probe user has no tenant and no staff
rights, and its password is derived from SECRET_KEY, so it is never stored anywhere."""

import hashlib
import hmac
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from apps.events import audit

PROBE_USERNAME = "opsdesk-auth-probe"


@dataclass(frozen=True)
class ProbeResult:
    ok: bool
    step: str
    detail: str
    latency_ms: float


def probe_password() -> str:
    return hmac.new(settings.SECRET_KEY.encode(), b"opsdesk-auth-probe", hashlib.sha256).hexdigest()


def is_probe_user(user) -> bool:
    return getattr(user, "username", None) == PROBE_USERNAME


def ensure_probe_user():
    """Creates the probe user, or puts its password back if someone changed it; audited when it does."""
    user = get_user_model().objects.filter(username=PROBE_USERNAME).first()
    if user is not None and user.is_active and user.check_password(probe_password()):
        return user
    with transaction.atomic():
        user = user or get_user_model()(username=PROBE_USERNAME)
        user.is_active, user.is_staff, user.is_superuser = True, False, False
        user.set_password(probe_password())
        user.save()
        audit.record("auth.probe_user_reset", actor_label="system", target=user)
    return user


def run() -> ProbeResult:
    from django.test import Client

    ensure_probe_user()
    started = time.perf_counter()
    client = Client(HTTP_HOST=_host(), secure=settings.HTTPS_ONLY)
    step, detail = _walk(client)
    latency_ms = round((time.perf_counter() - started) * 1000, 1)
    return ProbeResult(step == "done", step, detail, latency_ms)


def _walk(client) -> tuple[str, str]:
    """The first step that failed and why, or ("done", summary)."""
    credentials = {"username": PROBE_USERNAME, "password": probe_password()}
    response = client.post("/auth/login", credentials, content_type="application/json")
    if response.status_code != 200:
        return "login", f"POST /auth/login answered {response.status_code}: {_error(response)}"
    response = client.get("/auth/me")
    if response.status_code != 200 or response.json().get("user", {}).get("username") != PROBE_USERNAME:
        return "session", f"GET /auth/me with the new session answered {response.status_code}: {_error(response)}"
    response = client.post("/auth/logout", content_type="application/json")
    if response.status_code != 200:
        return "logout", f"POST /auth/logout answered {response.status_code}: {_error(response)}"
    return "done", "logged in, read /auth/me with the session and logged out"


def _error(response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.content[:200].decode(errors="replace")
    return str(body.get("detail") or body.get("error") or body)[:200]


def _host() -> str:
    hosts = [host for host in settings.ALLOWED_HOSTS if host not in ("*", "") and not host.startswith(".")]
    return hosts[0] if hosts else "localhost"
