"""CORS for a separate front end (django-cors-headers): the origins in CORS_ORIGIN get CORS headers
with credentials on /auth/ and /api/, and are trusted for CSRF; every other origin gets none."""

import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings

from tests.accounts.front_end import FrontEnd

FRONT, EVIL = "http://front.example", "http://evil.example"


@pytest.fixture(autouse=True)
def front_origin(settings):
    settings.CORS_ALLOWED_ORIGINS = [FRONT]
    settings.CSRF_TRUSTED_ORIGINS = [FRONT]


@pytest.fixture
def front():
    return FrontEnd()


def preflight(client, path, origin):
    return client.options(
        path,
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type,x-csrf-token",
    )


def test_a_preflight_from_the_front_end_allows_credentials_and_the_csrf_header(front, db):
    response = preflight(front, "/auth/login", FRONT)
    assert response["Access-Control-Allow-Origin"] == FRONT
    assert response["Access-Control-Allow-Credentials"] == "true"
    assert "x-csrf-token" in response["Access-Control-Allow-Headers"]


@pytest.mark.parametrize("path", ["/auth/me", "/api/v1/tenant/"])
def test_another_origin_gets_no_cors_headers(front, db, path):
    assert "Access-Control-Allow-Origin" not in preflight(front, path, EVIL)
    assert "Access-Control-Allow-Origin" not in front.get(path, HTTP_ORIGIN=EVIL)


def test_pages_outside_auth_and_the_api_get_no_cors_headers(front, db):
    assert "Access-Control-Allow-Origin" not in front.get("/login/", HTTP_ORIGIN=FRONT)


def test_a_login_from_the_front_end_s_origin_passes_the_csrf_origin_check(front, people):
    response = front.log_in(people.owner.username, people.password, HTTP_ORIGIN=FRONT)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == FRONT


def test_a_login_from_another_origin_fails_the_csrf_origin_check(front, people):
    response = front.log_in(people.owner.username, people.password, HTTP_ORIGIN=EVIL)
    assert response.status_code == 403
    assert response.json()["error"] == "csrf_invalid"
    assert "Origin checking failed" in response.json()["detail"]


def settings_from_environment(**env):
    code = "from django.conf import settings as s; print(s.CORS_ALLOWED_ORIGINS); print(s.CSRF_TRUSTED_ORIGINS)"
    environment = {**os.environ, "DEBUG": "true", **env}
    environment.pop("CSRF_TRUSTED_ORIGINS", None)
    environment.update(env)
    out = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env=environment,
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.splitlines()


def test_cors_origin_is_trusted_for_csrf_beside_csrf_trusted_origins():
    cors, trusted = settings_from_environment(
        CORS_ORIGIN="https://app.example, https://admin.example/", CSRF_TRUSTED_ORIGINS="https://ops.example"
    )
    assert cors == "['https://app.example', 'https://admin.example']"
    assert trusted == "['https://ops.example', 'https://app.example', 'https://admin.example']"
