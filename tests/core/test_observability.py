import json
import logging

import pytest

from apps.core.logging import ContextFilter, JsonFormatter


def test_request_id_is_echoed_or_minted(client, db):
    assert client.get("/healthz", HTTP_X_REQUEST_ID="abc-123")["X-Request-ID"] == "abc-123"
    minted = client.get("/healthz")["X-Request-ID"]
    assert len(minted) == 32 and minted != "abc-123"


def test_unprintable_or_huge_request_ids_are_replaced(client, db):
    assert client.get("/healthz", HTTP_X_REQUEST_ID="x" * 500)["X-Request-ID"] != "x" * 500


def test_log_lines_are_json_with_request_and_user(client, people, caplog):
    client.force_login(people.owner)
    handler_records = []

    class Capture(logging.Handler):
        def emit(self, record):
            handler_records.append(JsonFormatter().format(record))

    capture = Capture()
    capture.addFilter(ContextFilter())
    probe = logging.getLogger("opsdesk.audit")
    probe.addHandler(capture)
    try:
        client.post("/dashboard/api-keys/", {"name": "k"}, HTTP_X_REQUEST_ID="trace-9")
    finally:
        probe.removeHandler(capture)
    line = json.loads(handler_records[-1])
    assert line["request_id"] == "trace-9"
    assert line["user_id"] == people.owner.pk
    assert line["tenant_id"] is not None


def test_slow_responses_log_a_warning_with_path_and_duration(client, db, settings, caplog):
    settings.SLOW_REQUEST_MS = -1
    with caplog.at_level(logging.WARNING, logger="opsdesk.request"):
        client.get("/healthz")
    record = next(r for r in caplog.records if r.getMessage() == "SLOW API response")
    assert record.path == "/healthz" and record.duration_ms >= 0


def test_readyz_reports_database_and_broker(client, db):
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["checks"]["database"]["ok"] and body["checks"]["broker"]["ok"]


@pytest.fixture
def broker_down(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 1, "max_retries": 0}


def test_readyz_is_503_naming_the_broker_when_it_is_unreachable(client, db, broker_down):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["broker"]


def test_readyz_tells_anonymous_callers_only_ok_or_not(client, db, broker_down, caplog):
    with caplog.at_level(logging.WARNING, logger="opsdesk.health"):
        body = client.get("/readyz").json()
    assert body["checks"]["broker"] == {"ok": False} and body["checks"]["database"] == {"ok": True}
    assert "127.0.0.1" not in json.dumps(body)
    logged = next(r for r in caplog.records if r.getMessage() == "Readiness check failed")
    assert logged.check == "broker" and "Error" in logged.error


def test_readyz_shows_staff_the_drivers_error(client, staff, broker_down):
    client.force_login(staff)
    body = client.get("/readyz").json()
    assert "Error" in body["checks"]["broker"]["error"] and "latency_ms" in body["checks"]["database"]


@pytest.mark.services
def test_readyz_reaches_the_real_redis_broker(client, db, settings):
    import os

    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = os.environ["CELERY_BROKER_URL"]
    assert client.get("/readyz").status_code == 200


def test_healthz_needs_no_database(client):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_openapi_schema_is_served(client, db):
    response = client.get("/api/schema/")
    assert response.status_code == 200 and b"/api/v1/tenant/" in response.content
