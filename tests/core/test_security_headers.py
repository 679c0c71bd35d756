"""Every response carries the Content-Security-Policy; behind a proxy, only the proxy may name
the client's address and the scheme."""

import pytest
from django.test import RequestFactory

from apps.core.middleware import TrustedProxyMiddleware

PROXY, CLIENT, FORGER = "10.9.0.1", "198.51.100.7", "203.0.113.7"


def seen_by_the_app(**meta):
    request = RequestFactory().get("/", **meta)
    TrustedProxyMiddleware(lambda r: None)(request)
    return request.META


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXIES = ["10.9.0.0/16"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")


@pytest.mark.parametrize("url", ["/login/", "/healthz", "/api/docs/", "/status/"])
def test_every_page_has_a_content_security_policy(client, db, url):
    policy = client.get(url)["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy and "unsafe-eval" not in policy


def test_swagger_ui_has_no_inline_script(client, db):
    page = client.get("/api/docs/").content.decode()
    assert "<script>" not in page and 'src="/api/docs/?script=' in page.replace("&amp;", "&")


def test_the_policy_can_be_report_only(client, db, settings):
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = True
    response = client.get("/healthz")
    assert "Content-Security-Policy" not in response and response["Content-Security-Policy-Report-Only"]


def test_the_proxy_names_the_client(behind_proxy):
    meta = seen_by_the_app(
        REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"{FORGER}, {CLIENT}, 10.9.0.3", HTTP_X_FORWARDED_PROTO="https"
    )
    assert meta["REMOTE_ADDR"] == CLIENT and meta["HTTP_X_FORWARDED_PROTO"] == "https"


def test_anyone_else_cannot_choose_an_address_or_claim_https(behind_proxy):
    meta = seen_by_the_app(REMOTE_ADDR=FORGER, HTTP_X_FORWARDED_FOR=CLIENT, HTTP_X_FORWARDED_PROTO="https")
    assert meta["REMOTE_ADDR"] == FORGER
    assert "HTTP_X_FORWARDED_FOR" not in meta and "HTTP_X_FORWARDED_PROTO" not in meta


def test_garbage_in_the_header_keeps_the_proxys_address(behind_proxy):
    assert seen_by_the_app(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="not-an-ip")["REMOTE_ADDR"] == PROXY


def test_another_header_can_carry_the_client(behind_proxy, settings):
    settings.CLIENT_IP_HEADER = "X-Real-IP"
    assert seen_by_the_app(REMOTE_ADDR=PROXY, HTTP_X_REAL_IP=CLIENT)["REMOTE_ADDR"] == CLIENT


def test_without_trusted_proxies_nothing_changes(settings):
    settings.TRUSTED_PROXIES = []
    meta = seen_by_the_app(REMOTE_ADDR=FORGER, HTTP_X_FORWARDED_FOR=CLIENT)
    assert meta["REMOTE_ADDR"] == FORGER and meta["HTTP_X_FORWARDED_FOR"] == CLIENT
