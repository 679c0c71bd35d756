"""GET /auth/diagnose says what the server saw (cookies, token, origin, scheme, Secure cookies),
each line ok or not with a hint, and shows no secret."""

import pytest

from tests.accounts.front_end import FrontEnd

FRONT, EVIL = "http://front.example", "http://evil.example"
PROXY = "10.9.0.1"


@pytest.fixture(autouse=True)
def front_origin(settings):
    settings.CORS_ALLOWED_ORIGINS = [FRONT]
    settings.CSRF_TRUSTED_ORIGINS = [FRONT]


@pytest.fixture
def front():
    return FrontEnd()


def diagnose(client, **extra) -> dict:
    response = client.get("/auth/diagnose", **extra)
    assert response.status_code == 200
    return {check["name"]: check for check in response.json()["checks"]} | {"_ok": response.json()["ok"]}


def test_a_first_visit_says_what_is_missing_with_a_hint_for_each(front, db):
    seen = diagnose(front)
    assert not seen["_ok"]
    for name in ("session_cookie", "session_valid", "csrf_cookie", "csrf_header", "csrf_match"):
        assert not seen[name]["ok"] and seen[name]["hint"], name
    assert "credentials" in seen["session_cookie"]["hint"]


def test_a_logged_in_front_end_sending_its_token_is_all_ok(front, people):
    front.log_in(people.owner.username, people.password)
    seen = diagnose(front, HTTP_X_CSRF_TOKEN=front.token(), HTTP_ORIGIN=FRONT)
    assert seen["_ok"], seen
    assert seen["origin"]["seen"] == f"{FRONT} is allowed"


def test_the_older_header_name_is_seen_too(front, people):
    front.log_in(people.owner.username, people.password)
    seen = diagnose(front, HTTP_X_CSRFTOKEN=front.token())
    assert seen["csrf_header"]["ok"] and seen["csrf_match"]["ok"]


def test_a_stale_token_is_named_as_not_matching(front, people):
    old = front.token()
    front.log_in(people.owner.username, people.password)
    seen = diagnose(front, HTTP_X_CSRF_TOKEN=old)
    assert seen["csrf_header"]["ok"]
    assert not seen["csrf_match"]["ok"]
    assert "incorrect" in seen["csrf_match"]["seen"]


def test_an_unknown_session_cookie_is_told_apart_from_none(front, db):
    front.cookies["sessionid"] = "not-a-session"
    seen = diagnose(front)
    assert seen["session_cookie"]["ok"]
    assert seen["session_valid"]["seen"] == "unknown or expired session"


def test_an_origin_not_allowed_says_to_add_it_to_cors_origin(front, db):
    seen = diagnose(front, HTTP_ORIGIN=EVIL)
    assert not seen["origin"]["ok"]
    assert "CORS_ORIGIN" in seen["origin"]["hint"]


def test_secure_cookies_over_plain_http_are_a_problem(front, db, settings):
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    seen = diagnose(front)
    assert not seen["secure_cookies"]["ok"]
    assert "https" in seen["secure_cookies"]["hint"]


def test_https_through_a_trusted_proxy_makes_secure_cookies_fine(front, db, settings):
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.TRUSTED_PROXIES = [PROXY]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    seen = diagnose(front, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_PROTO="https", HTTP_ORIGIN="https://front.example")
    assert seen["scheme"]["ok"] and seen["scheme"]["seen"] == "https (x-forwarded-proto: https)"
    assert seen["secure_cookies"]["ok"]


def test_a_forwarded_proto_from_an_untrusted_address_is_not_believed(front, db, settings):
    settings.TRUSTED_PROXIES = [PROXY]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    seen = diagnose(front, REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_PROTO="https", HTTP_ORIGIN="https://app.example")
    assert not seen["scheme"]["ok"]
    assert "TRUSTED_PROXIES" in seen["scheme"]["hint"]


def test_it_reveals_no_token_or_session_value(front, people):
    front.log_in(people.owner.username, people.password)
    token = front.token()
    body = front.get("/auth/diagnose", HTTP_X_CSRF_TOKEN=token).content.decode()
    for secret in (token, front.cookies["csrftoken"].value, front.cookies["sessionid"].value):
        assert secret not in body
