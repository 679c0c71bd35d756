"""What one `POST /api/v1/ai/chat/completions` costs the database, counted on the wire (libpq's
trace) through Django's real WSGI handler, as gunicorn calls it: request_started and
request_finished run, so Django's per-request connection health check would show here."""

import json

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection

from apps.accounts import services as key_services
from apps.ai.models import AIRequest
from tests import db_roles, pg_wire, wsgi_calls

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
URL = "/api/v1/ai/chat/completions"
BODY = json.dumps({"messages": [{"role": "user", "content": "Is breakfast included?"}]}).encode()


@pytest.fixture
def key(tenant):
    return key_services.issue_tenant_key(tenant, name="n8n")[1]


def post(key) -> tuple[int, dict]:
    """One request through Django's WSGI handler: its status and JSON body (the deferred AIRequest
    row is written in the response's close(), as gunicorn runs it after the last byte)."""
    answer = wsgi_calls.post_json(WSGIHandler(), URL, BODY, HTTP_AUTHORIZATION=f"Bearer {key}")
    return answer.status, answer.json()


def test_an_answer_costs_one_round_trip_before_it_goes_out_and_one_after(key, openrouter):
    assert post(key)[0] == 200  # the first call creates the tenant's AI texts and the circuit row
    with pg_wire.traced() as wire:
        status, answer = post(key)
    assert status == 200 and answer["provider"] == "openrouter"
    assert wire.round_trips == 2  # the key with the snapshot (as the platform), the row (as the tenant)
    assert "SELECT 1" not in wire.queries  # no health check
    assert AIRequest.objects.count() == 2


def test_a_connection_the_database_dropped_is_reopened_and_the_call_answered(key, openrouter):
    assert post(key)[0] == 200
    dropped = connection.connection.info.backend_pid
    with db_roles.owner_cursor() as admin:  # what a database restart does to every connection
        admin.execute("SELECT pg_terminate_backend(%s)", [dropped])

    status, answer = post(key)

    assert status == 200 and answer["provider"] == "openrouter"
    assert connection.connection.info.backend_pid != dropped
    assert AIRequest.objects.filter(pk=answer["opsdesk"]["request_id"]).exists()
