"""With the database unreachable the API answers JSON 503 with Retry-After (clients retry), and
/readyz says the database is not ok, naming nothing to anonymous callers."""

import socket

import pytest
from django.db import connection
from django.test import Client

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
KEY = "odk_0123456789ab_" + "k" * 43


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def database_down():
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT=closed_port(), CONN_MAX_AGE=0)
    yield
    connection.close()
    connection.settings_dict.clear()
    connection.settings_dict.update(saved)


def test_the_api_answers_json_503_with_retry_after(database_down):
    response = Client(raise_request_exception=False).get("/api/v1/tenant/", HTTP_AUTHORIZATION=f"Bearer {KEY}")
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert response.json() == {
        "error": "database_unavailable",
        "detail": "The database cannot be reached; retry shortly.",
    }
    assert response["X-Request-ID"]


def test_readyz_says_the_database_is_down_and_nothing_more(database_down):
    response = Client(raise_request_exception=False).get("/readyz")
    assert response.status_code == 503 and "database" in response.json()["failing"]
    assert all(check == {"ok": check["ok"]} for check in response.json()["checks"].values())
