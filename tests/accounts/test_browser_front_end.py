"""A separate front end in real headless Chromium: a page served on another origin (same site,
another port, so the SameSite=Lax cookies travel) logs in through /auth/login, makes CSRF-protected
POSTs with `x-csrf-token`, is refused `csrf_invalid` without it, and a page on an origin that
CORS_ORIGIN does not list cannot read any answer (the browser rejects its fetch)."""

import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from apps.tickets.models import Ticket
from tests.browser import chromium_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FRONT_END_PAGE = b"""<!doctype html>
<html><head><title>Front end</title><script>
let csrfToken = "";
async function call(method, path, body, withToken = true) {
  const headers = {"Content-Type": "application/json", "Accept": "application/json"};
  if (withToken && csrfToken) headers["x-csrf-token"] = csrfToken;
  const response = await fetch(OPSDESK + path, {
    method, headers, credentials: "include", body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await response.json();
  if (json.csrf_token) csrfToken = json.csrf_token;
  return {status: response.status, json};
}
async function tryCall(method, path, body) {
  try { return await call(method, path, body); } catch (error) { return {rejected: String(error)}; }
}
</script></head><body><h1>Front end</h1></body></html>
"""


class PageHandler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = FRONT_END_PAGE.replace(b"OPSDESK", b"'" + self.server.opsdesk.encode() + b"'")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@contextmanager
def page_server(host, opsdesk_url):
    """Serves the front end's page on `host` and a free port; yields its origin."""
    server = ThreadingHTTPServer((host, 0), PageHandler)
    server.opsdesk = opsdesk_url
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def page_origins(live_server):
    """(allowed, disallowed) page origins on the live server's host, the same for the whole module:
    Django's CsrfViewMiddleware in the live server caches the trusted origins it first reads."""
    host = urlsplit(live_server.url).hostname
    with page_server(host, live_server.url) as allowed, page_server(host, live_server.url) as other:
        yield allowed, other


@pytest.fixture
def origins(page_origins, settings):
    allowed, _ = page_origins
    settings.CORS_ALLOWED_ORIGINS = [allowed]
    settings.CSRF_TRUSTED_ORIGINS = [allowed]
    return page_origins


@pytest.fixture
def browser_page():
    with chromium_page() as page:
        yield page


def test_a_front_end_on_another_origin_logs_in_and_posts_with_its_csrf_token(origins, people, browser_page):
    allowed, _ = origins
    page = browser_page
    page.goto(allowed)
    assert page.evaluate("call('GET', '/auth/me')")["status"] == 401
    login = page.evaluate(
        "([u, p]) => call('POST', '/auth/login', {username: u, password: p})", [people.owner.username, people.password]
    )
    assert login["status"] == 200, login
    assert login["json"]["active_tenant"]["slug"] == "alpha"
    assert page.evaluate("call('GET', '/auth/me')")["json"]["user"]["username"] == people.owner.username

    created = page.evaluate("call('POST', '/api/v1/tickets/', {subject: 'From the front end', body: 'Hello'})")
    assert created["status"] == 201, created
    assert Ticket.objects.filter(subject="From the front end").exists()
    assert page.evaluate("call('POST', '/auth/tenant', {tenant: 'alpha'})")["status"] == 200


def test_the_same_post_without_the_token_is_csrf_invalid(origins, people, browser_page):
    allowed, _ = origins
    page = browser_page
    page.goto(allowed)
    page.evaluate("call('GET', '/auth/me')")
    page.evaluate(
        "([u, p]) => call('POST', '/auth/login', {username: u, password: p})", [people.owner.username, people.password]
    )
    refused = page.evaluate("call('POST', '/api/v1/tickets/', {subject: 'No token', body: 'x'}, false)")
    assert refused["status"] == 403
    assert refused["json"]["error"] == "csrf_invalid"
    assert not Ticket.objects.filter(subject="No token").exists()
    diagnosis = page.evaluate("call('GET', '/auth/diagnose')")["json"]
    assert {check["name"]: check["ok"] for check in diagnosis["checks"]}["session_valid"] is True


def test_a_page_on_an_origin_not_in_cors_origin_is_blocked_by_the_browser(origins, people, browser_page):
    _, other = origins
    page = browser_page
    page.goto(other)
    answer = page.evaluate("tryCall('GET', '/auth/me')")
    assert "rejected" in answer, answer
    login = page.evaluate(
        "([u, p]) => tryCall('POST', '/auth/login', {username: u, password: p})",
        [people.owner.username, people.password],
    )
    assert "rejected" in login, login
