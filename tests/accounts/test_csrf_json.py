"""CSRF for the front end's JSON calls: the token in `x-csrf-token` (or Django's `X-CSRFToken`),
a refusal is `403 {"error": "csrf_invalid", "detail": …}` from Django's middleware and from DRF's
session authentication alike, and an HTML form still gets Django's page."""

import pytest

from tests.accounts.front_end import FrontEnd


@pytest.fixture
def front():
    return FrontEnd()


def login_body(people):
    return {"username": people.owner.username, "password": people.password}


def assert_csrf_invalid(response, words):
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["error"] == "csrf_invalid"
    assert words in body["detail"]


def test_login_with_the_token_in_x_csrf_token_succeeds(front, people):
    assert front.post_json("/auth/login", login_body(people), front.token()).status_code == 200


def test_django_s_x_csrftoken_header_still_works(front, people):
    response = front.post_json("/auth/login", login_body(people), front.token(), header="HTTP_X_CSRFTOKEN")
    assert response.status_code == 200


def test_a_post_without_the_header_is_csrf_invalid_saying_the_token_is_missing(front, people):
    front.token()
    assert_csrf_invalid(front.post_json("/auth/login", login_body(people)), "CSRF token missing")


def test_a_wrong_token_is_csrf_invalid_saying_it_is_incorrect(front, people):
    front.token()
    response = front.post_json("/auth/login", login_body(people), "x" * 64)
    assert_csrf_invalid(response, "incorrect")


def test_a_post_without_the_csrf_cookie_says_so(front, people):
    response = front.post_json("/auth/login", login_body(people), "x" * 64)
    assert_csrf_invalid(response, "CSRF cookie not set")


def test_a_token_from_before_login_no_longer_matches_after_it(front, people):
    old = front.token()
    front.post_json("/auth/login", login_body(people), old)
    assert_csrf_invalid(front.post_json("/auth/logout", {}, old), "incorrect")


def test_the_api_with_a_session_refuses_a_post_without_the_token_as_csrf_invalid(front, people):
    front.log_in(people.owner.username, people.password)
    response = front.post_json("/api/v1/tickets/", {})
    assert_csrf_invalid(response, "CSRF token missing")
    assert "x-csrf-token" in response.json()["detail"]


@pytest.mark.parametrize("header", ["HTTP_X_CSRF_TOKEN", "HTTP_X_CSRFTOKEN"])
def test_the_api_with_a_session_accepts_the_token_in_either_header(front, people, header):
    front.log_in(people.owner.username, people.password)
    response = front.post_json("/api/v1/tickets/", {}, front.token(), header=header)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid"


def test_an_api_key_needs_no_csrf_token(tenant_api):
    response = tenant_api.post("/api/v1/tickets/", {}, format="json")
    assert response.status_code == 400


def test_an_html_form_without_the_token_gets_django_s_page(front, people):
    response = front.post("/login/", {"username": people.owner.username, "password": people.password})
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")
    assert b"CSRF verification failed" in response.content


def test_a_json_post_elsewhere_gets_the_json_answer(front, people):
    front.force_login(people.owner)
    response = front.post("/dashboard/switch/", "{}", content_type="application/json")
    assert_csrf_invalid(response, "CSRF")
