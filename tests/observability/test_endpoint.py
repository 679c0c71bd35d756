"""`/metrics` answers Prometheus's text format to a bearer of METRICS_TOKEN or a client in
METRICS_ALLOWED_NETWORKS, and a 403 to everyone else; it is never cached. Requests are counted
and timed by their URL pattern, never the raw path."""

import uuid

import pytest

from tests.observability.scrape import grew, scrape

pytestmark = pytest.mark.django_db
TOKEN = "s3cret-metrics-token"


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_NETWORKS = ["127.0.0.1/32", "::1/128"]
    return TOKEN


def get(client, addr, **headers):
    return client.get("/metrics", REMOTE_ADDR=addr, **headers)


def test_localhost_may_scrape_and_the_answer_is_prometheus_text_never_cached(client):
    response = get(client, "127.0.0.1")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert "opsdesk_inbox_events" in scrape(client).families


def test_an_outside_address_without_the_token_is_refused_with_how_to_get_in(client, token):
    response = get(client, "203.0.113.9")
    assert response.status_code == 403
    assert b"METRICS_TOKEN" in response.content and b"opsdesk_" not in response.content
    assert "no-store" in response["Cache-Control"]


def test_the_token_lets_any_address_in_and_a_wrong_one_does_not(client, token):
    assert get(client, "203.0.113.9", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200
    assert get(client, "203.0.113.9", HTTP_AUTHORIZATION="Bearer guess").status_code == 403
    assert get(client, "203.0.113.9", HTTP_AUTHORIZATION=f"Basic {TOKEN}").status_code == 403


def test_no_token_configured_means_no_token_works(client, settings):
    settings.METRICS_TOKEN = ""
    assert get(client, "203.0.113.9", HTTP_AUTHORIZATION="Bearer ").status_code == 403


def test_allowed_networks_are_cidrs(client, settings):
    settings.METRICS_ALLOWED_NETWORKS = ["10.20.0.0/16"]
    assert get(client, "10.20.3.4").status_code == 200
    assert get(client, "10.21.3.4").status_code == 403
    assert get(client, "127.0.0.1").status_code == 403


def test_a_forwarded_request_through_an_unknown_proxy_needs_the_token(client, token, settings):
    """nginx on the same machine makes every visitor 127.0.0.1: without TRUSTED_PROXIES a forwarded
    request's address says nothing, so only the token opens /metrics."""
    settings.TRUSTED_PROXIES = []
    assert get(client, "127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 403
    assert (
        get(client, "127.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code
        == 200
    )


def test_behind_a_trusted_proxy_the_real_client_address_decides(client, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    settings.METRICS_ALLOWED_NETWORKS = ["192.168.7.0/24"]
    assert get(client, "10.0.0.1", HTTP_X_FORWARDED_FOR="192.168.7.20").status_code == 200
    assert get(client, "10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 403


def test_post_is_not_allowed(client):
    assert client.post("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 405


def test_requests_are_counted_and_timed_by_route_method_and_status(client):
    before = scrape(client)
    path = f"/webhooks/pms/{uuid.uuid4()}/"
    assert client.post(path, data=b"{}", content_type="application/json").status_code == 404
    client.get("/healthz")
    after = scrape(client)
    route = "/webhooks/pms/<str:connection_id>/"
    assert grew(before, after, "opsdesk_http_requests_total", route=route, method="POST", status="404") == 1
    assert grew(before, after, "opsdesk_http_request_duration_seconds_count", route="/healthz", method="GET") == 1
    assert not [s for s in after.samples("opsdesk_http_requests_total") if s.labels["route"] == path]


def test_a_path_no_pattern_matches_is_one_series_however_many_paths(client):
    before = scrape(client)
    for n in range(3):
        client.get(f"/wp-admin/probe-{n}.php")
    after = scrape(client)
    assert grew(before, after, "opsdesk_http_requests_total", route="unmatched", method="GET", status="404") == 3


def test_unknown_methods_and_label_floods_are_bounded():
    from apps.core import metrics_prometheus as prom

    flood = prom.counter("opsdesk_test_flood", "A test counter.", ["reason"])
    for n in range(prom.LABEL_VALUES_MAX + 20):
        prom.inc(flood, reason=f"r{n}")
    values = {labels[0] for labels in flood._metrics}
    assert len(values) == prom.LABEL_VALUES_MAX + 1 and prom.OTHER in values
    assert prom.counter("opsdesk_test_flood", "again", ["reason"]) is flood
