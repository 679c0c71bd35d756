"""One `graph_url()` for everything that talks to the Graph API: a base with or without its version
gives URLs with exactly one version segment, for the sender and the health probe alike. The local
Graph fake answers only at versioned paths, as a wrong count of versions must fail."""

import pytest
import requests

from apps.health import checks
from apps.integrations import services
from apps.integrations.meta import client
from apps.integrations.meta.graph import graph_url
from tests.fakes import serving
from tests.fakes.graph import FakeGraph

PHONE = "4915112345678"


graph = serving(FakeGraph)


@pytest.mark.parametrize(
    "base",
    [
        "https://graph.facebook.com",
        "https://graph.facebook.com/",
        "https://graph.facebook.com/v21.0",
        "https://graph.facebook.com/v21.0/",
    ],
)
def test_graph_url_has_exactly_one_version_whatever_the_base(base, settings):
    settings.META_GRAPH_API_VERSION = "v21.0"
    assert graph_url(base, "1065551234/messages") == "https://graph.facebook.com/v21.0/1065551234/messages"
    assert graph_url(base, "/1065551234") == "https://graph.facebook.com/v21.0/1065551234"


def test_a_version_in_the_base_wins_over_the_setting(settings):
    settings.META_GRAPH_API_VERSION = "v22.0"
    assert graph_url("http://proxy.test/graph/v20.0", "1/messages") == "http://proxy.test/graph/v20.0/1/messages"
    assert graph_url("http://proxy.test/graph", "1/messages") == "http://proxy.test/graph/v22.0/1/messages"


def test_a_version_setting_that_is_not_a_version_is_refused(settings):
    settings.META_GRAPH_API_VERSION = "latest"
    with pytest.raises(ValueError, match="must look like v21.0"):
        graph_url("https://graph.facebook.com", "1")


def test_without_a_connection_base_the_setting_is_used(tenant, settings):
    settings.META_GRAPH_BASE_URL, settings.META_GRAPH_API_VERSION = "https://graph.facebook.com", "v21.0"
    connection = services.create_connection(tenant, "meta", values={"phone_number_id": "1065551234"})
    assert client.messages_url(connection) == "https://graph.facebook.com/v21.0/1065551234/messages"


def meta_connection(tenant, graph, base):
    return services.create_connection(
        tenant,
        "meta",
        values={"phone_number_id": graph.phone_number_id, "graph_base_url": base, "access_token": graph.token},
    )


@pytest.mark.parametrize("versioned", [True, False], ids=["base-with-version", "base-without-version"])
def test_the_sender_reaches_the_versioned_path_with_either_base(tenant, graph, versioned):
    connection = meta_connection(tenant, graph, graph.base_url if versioned else graph.url)
    outcome = client.send(connection, client.text_payload(PHONE, "Your table is ready."))
    assert outcome.ok, outcome.error
    assert [request.path for request in graph.requests] == [f"/v21.0/{graph.phone_number_id}/messages"]


@pytest.mark.parametrize("versioned", [True, False], ids=["base-with-version", "base-without-version"])
def test_the_probe_reaches_the_versioned_path_with_either_base(tenant, graph, versioned):
    connection = meta_connection(tenant, graph, graph.base_url if versioned else graph.url)
    result = checks.run("connection_meta_token", connection=connection)
    assert result.status == "pass", result.detail
    assert [request.path for request in graph.requests] == [f"/v21.0/{graph.phone_number_id}", "/v21.0/debug_token"]


@pytest.mark.parametrize("path", ["/v21.0/v21.0/1065551234/messages", "/1065551234/messages", "/v21.0/v21.0"])
def test_the_fake_answers_a_wrong_count_of_versions_with_graphs_404(graph, path):
    response = requests.post(graph.url + path, json={}, headers={"Authorization": f"Bearer {graph.token}"}, timeout=2)
    assert response.status_code == 404
    assert response.json()["error"]["message"] == f"Unknown path components: {path}"
