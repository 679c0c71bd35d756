"""Which requests the short middleware stack takes (apps/core/lean_wsgi.py): only a server-to-server
POST with a bearer key to a lean route; anything a browser or a session could send keeps the full
stack (CORS, sessions, CSRF)."""

import pytest

from apps.core.lean_wsgi import takes_lean

URL = "/api/v1/ai/chat/completions"
MACHINE = {"REQUEST_METHOD": "POST", "PATH_INFO": URL, "HTTP_AUTHORIZATION": "Bearer odk_abc_def"}


def test_a_machine_posting_with_a_bearer_key_takes_the_short_stack():
    assert takes_lean(MACHINE)


@pytest.mark.parametrize(
    "change",
    [
        {"REQUEST_METHOD": "GET"},
        {"REQUEST_METHOD": "OPTIONS"},  # a CORS preflight
        {"PATH_INFO": URL + "/"},
        {"PATH_INFO": "/api/v1/events/"},
        {"HTTP_AUTHORIZATION": "Token odk_abc_def"},
        {"HTTP_AUTHORIZATION": ""},
        {"HTTP_ORIGIN": "https://app.example"},  # a browser: CORS headers come from the full stack
        {"HTTP_COOKIE": "sessionid=abc"},  # a session: the full stack reads it
    ],
)
def test_everything_else_keeps_the_full_stack(change):
    assert not takes_lean({**MACHINE, **change})


def test_each_lean_route_resolves_to_the_same_view_route_and_name_as_in_the_full_urlconf(settings):
    from django.urls import get_resolver

    for path in settings.LEAN_ROUTES:
        lean = get_resolver(settings.LEAN_URLCONF).resolve(path)
        full = get_resolver(settings.ROOT_URLCONF).resolve(path)
        assert (lean.func.view_class, lean.route, lean.view_name) == (full.func.view_class, full.route, full.view_name)
