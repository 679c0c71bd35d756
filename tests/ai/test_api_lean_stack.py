"""The AI API through the short middleware stack (apps/core/lean_wsgi.py) answers as through the
full one: same statuses, bodies and the headers a client reads, the correlation id, Content-Length,
and the AIRequest row written after the response."""

import pytest

from apps.accounts import services as key_services
from apps.ai.models import AIRequest, Outcome
from apps.core.lean_wsgi import LeanWSGIHandler
from tests import wsgi_calls

pytestmark = pytest.mark.django_db(transaction=True)
URL = "/api/v1/ai/chat/completions"
ANSWERED = {"messages": [{"role": "user", "content": "Is breakfast included?"}]}


@pytest.fixture(scope="module")
def stacks():
    from config.wsgi import application, django_application

    return {"lean": LeanWSGIHandler(), "full": django_application, "served": application}


def call(handler, key, body, **headers) -> tuple[int, dict, dict]:
    answer = wsgi_calls.post_json(handler, URL, body, HTTP_AUTHORIZATION=f"Bearer {key}", **headers)
    assert int(answer.headers["Content-Length"]) == len(answer.content)
    return answer.status, answer.headers, answer.json()


@pytest.fixture
def key(tenant):
    return key_services.issue_tenant_key(tenant, name="n8n")[1]


def test_an_answer_is_the_same_through_both_stacks(stacks, key, openrouter):
    lean_status, lean_headers, lean_body = call(stacks["lean"], key, ANSWERED, HTTP_X_REQUEST_ID="req-lean-1")
    full_status, full_headers, full_body = call(stacks["full"], key, ANSWERED)
    assert lean_status == full_status == 200
    assert lean_body.keys() == full_body.keys() and lean_body["choices"] == full_body["choices"]
    assert lean_headers["X-Request-ID"] == "req-lean-1"
    assert lean_headers["X-Content-Type-Options"] == full_headers["X-Content-Type-Options"] == "nosniff"
    assert lean_headers["Content-Type"] == full_headers["Content-Type"] == "application/json"
    rows = AIRequest.objects.filter(pk__in=[lean_body["opsdesk"]["request_id"], full_body["opsdesk"]["request_id"]])
    assert list(rows.values_list("outcome", flat=True)) == [Outcome.ANSWERED, Outcome.ANSWERED]
    assert rows.get(pk=lean_body["opsdesk"]["request_id"]).correlation_id == "req-lean-1"


@pytest.mark.parametrize(
    "body",
    [{"messages": []}, {"messages": [{"role": "wizard", "content": "hi"}]}, b'{"messages": ['],
    ids=["no messages", "wrong role", "not JSON"],
)
def test_a_bad_body_gets_the_same_400_through_both_stacks(stacks, key, openrouter, body):
    lean, full = call(stacks["lean"], key, body), call(stacks["full"], key, body)
    assert lean[0] == full[0] == 400
    assert lean[2]["error"]["code"] == full[2]["error"]["code"]


def test_a_wrong_or_an_operator_key_is_refused_alike(stacks, staff, openrouter):
    operator_key = key_services.issue_operator_key(staff.username, name="ops")[1]
    for key in ("odk_abc_not-a-key", operator_key):
        lean, full = call(stacks["lean"], key, ANSWERED), call(stacks["full"], key, ANSWERED)
        assert (lean[0], lean[2]) == (full[0], full[2])


def test_the_served_application_sends_a_machine_s_call_through_the_short_stack(stacks, key, openrouter):
    status, headers, _ = call(stacks["served"], key, ANSWERED)
    assert status == 200 and "Content-Security-Policy" not in headers  # the full stack would add it
    status, headers, _ = call(stacks["served"], key, ANSWERED, HTTP_ORIGIN="https://app.example")
    assert status == 200 and "Content-Security-Policy" in headers
